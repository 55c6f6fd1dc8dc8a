import type { Command } from 'commander';
import { resolveTarget } from './config/profiles';
import { ApiClient } from './http/api-client';
import type { OutputFormat } from './output/render';

/** Options every command takes (declared on the program). */
export interface GlobalOptions {
  profile?: string;
  output: OutputFormat;
}

export function globals(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** The API of the selected profile (or JUNCTION_URL + JUNCTION_API_KEY). */
export function apiFor(command: Command): ApiClient {
  return new ApiClient(resolveTarget(globals(command).profile));
}

export function print(text: string): void {
  if (text !== '') process.stdout.write(`${text}\n`);
}

/** Progress and notes go to stderr, so stdout stays the command's answer (pipe it to jq). */
export function note(text: string): void {
  process.stderr.write(`${text}\n`);
}
