import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { stringify } from 'yaml';
import { apiFor, globals, print } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { findRecipe } from '../http/junction-api';
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

interface RunAnswer {
  runId?: string;
  jobId?: string;
  status?: string;
  output?: unknown;
  error?: unknown;
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
      const res = await api.request<unknown>('POST', `/v1/recipes/${recipe.id}/runs`, `running recipe "${recipe.name}"`, {
        body: payload,
        query: options.wait ? { wait: true, timeoutMs: seconds * 1000 } : {},
        headers: options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {},
      });
      const { output } = globals(command);
      const answer = res.body as RunAnswer;
      // a respond step's reply is the recipe's own answer: printed as it came
      const isJobOutcome = typeof res.body === 'object' && res.body !== null && 'jobId' in answer && 'status' in answer && (res.status === 200 || res.status === 202);
      if (output === 'json' || (output === 'table' && typeof res.body !== 'object')) print(typeof res.body === 'string' ? res.body : JSON.stringify(res.body, null, 2));
      else if (output === 'yaml') print(stringify(res.body).trimEnd());
      else if (isJobOutcome)
        print(`job ${answer.jobId} ${answer.status}\n${stringify(answer.status === 'succeeded' ? (answer.output ?? null) : (answer.error ?? null)).trimEnd()}`);
      else print(JSON.stringify(res.body, null, 2));
      if (isJobOutcome && answer.status) exitForStatus(answer.status);
    });
}
