import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { stringify } from 'yaml';
import { apiFor, globals, print } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { ApiError, type Problem } from '../http/api-client';
import { findRecipe } from '../http/junction-api';
import type { OutputFormat } from '../output/render';
import { exitForStatus } from './jobs.command';

/** `--data '{"a":1}'` or `--data @payload.json` (`@-`: standard input). */
export function readData(data: string | undefined): unknown {
  if (data === undefined) return {};
  const text = data.startsWith('@') ? readFileSync(data === '@-' ? 0 : data.slice(1), 'utf8') : data;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`--data is not JSON: ${(error as Error).message}`, EXIT.usage);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** JSON/YAML print the answer as it came; a table prints the reply's body, or the job's result. */
function printAnswer(status: number, body: unknown, output: OutputFormat): void {
  if (output === 'yaml') return print(stringify(body).trimEnd());
  if (typeof body === 'string') return print(body);
  const answer = body as RunAnswer;
  if (output === 'table' && status === 202 && answer.runId) return print(`run ${answer.runId} ${answer.status}${answer.jobId ? ` (job ${answer.jobId})` : ''}`);
  if (output === 'table' && isJobOutcome(answer)) {
    const result = answer.status === 'succeeded' ? answer.output : answer.error;
    return print(`job ${answer.jobId} ${answer.status}${result === undefined ? '' : `\n${stringify(result).trimEnd()}`}`);
  }
  print(JSON.stringify(body, null, 2));
}

interface RunAnswer {
  runId?: string;
  jobId?: string;
  status?: string;
  output?: unknown;
  error?: unknown;
}

/** `?wait=true` without a respond step answers `{ runId, jobId, status, output?, error? }`. */
function isJobOutcome(body: unknown): body is RunAnswer & { jobId: string; status: string } {
  const b = body as RunAnswer | null;
  return typeof b === 'object' && b !== null && typeof b.runId === 'string' && typeof b.jobId === 'string' && typeof b.status === 'string';
}

export function runCommand(): Command {
  return new Command('run')
    .description('run a recipe now with a payload; --wait prints its result or its respond step’s reply')
    .argument('<recipe>', 'recipe name or id')
    .option('-d, --data <json>', 'the payload: JSON, or @file.json')
    .option('-w, --wait', 'wait for the job and print its result (exit code 3 if it fails)')
    .option('--timeout <seconds>', 'how long --wait waits (1–120)', '60')
    .option('--idempotency-key <key>', 'the same key never starts a second job')
    .addHelpText('after', '\nExamples:\n  $ junction run "orders to slack" --data @order.json --wait\n  $ junction run rcp_01JF8Z5Q3V7X9B2C4D6E8G0H2M --data \'{"id": 42}\'')
    .action(async (name: string, options: { data?: string; wait?: boolean; timeout: string; idempotencyKey?: string }, command: Command) => {
      const api = apiFor(command);
      const payload = readData(options.data);
      const seconds = Number(options.timeout);
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 120) throw new CliError('--timeout must be a whole number of seconds from 1 to 120', EXIT.usage);
      const recipe = await findRecipe(api, name);
      if (!recipe) throw new CliError(`no recipe "${name}" in this workspace`);
      const what = `running recipe "${recipe.name}"`;
      const res = await api.raw('POST', `/v1/recipes/${recipe.id}/runs`, what, {
        body: payload,
        query: options.wait ? { wait: true, timeoutMs: seconds * 1000 } : {},
        headers: options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {},
      });
      const text = await res.text();
      const body = parseJson(text);
      // the API's own refusals are problem documents; anything else is the run's answer
      if ((res.headers.get('content-type') ?? '').startsWith('application/problem+json')) throw new ApiError(res.status, body as Problem, what);
      printAnswer(res.status, body, globals(command).output);
      if (isJobOutcome(body)) exitForStatus(body.status);
      // a respond step answering 4xx/5xx is the recipe saying it failed
      if (res.status >= 400) process.exitCode = EXIT.error;
    });
}
