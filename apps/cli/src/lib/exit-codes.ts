/**
 * Exit codes, stable for scripts and CI:
 * 0 done; 1 failed (invalid file, the API refused, network); 2 `plan` found changes;
 * 3 a job ended failed or cancelled; 4 not logged in, or the key was refused (401/403);
 * 64 a usage error (unknown option, missing argument).
 */
export const EXIT = { ok: 0, error: 1, changes: 2, jobFailed: 3, auth: 4, usage: 64 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure to tell the user in words, with the exit code it maps to. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.error,
  ) {
    super(message);
  }
}
