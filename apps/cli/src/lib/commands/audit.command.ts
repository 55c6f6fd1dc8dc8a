import { createWriteStream } from 'node:fs';
import { Command } from 'commander';
import { stringify } from 'yaml';
import { apiFor, globals, note, print } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { ApiError, type Problem } from '../http/api-client';

/** `7d`, `24h`, `30m` ago, or an ISO 8601 instant as is. */
export function sinceInstant(value: string, now = Date.now()): string {
  const relative = /^(\d+)([mhd])$/.exec(value);
  if (relative) return new Date(now - Number(relative[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'm' | 'h' | 'd']).toISOString();
  if (Number.isNaN(Date.parse(value))) throw new CliError(`--since must be an ISO 8601 instant or a duration like 7d, 24h, 30m (got "${value}")`, EXIT.usage);
  return value;
}

export function auditCommand(): Command {
  const audit = new Command('audit').description("the workspace's audit log");
  audit
    .command('export')
    .description('audit events of a time range, oldest first: NDJSON (one event per line) to stdout or --out')
    .option('--since <when>', 'from this instant (ISO 8601) or this long ago (7d, 24h, 30m)')
    .option('--until <when>', 'before this instant (ISO 8601)')
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .addHelpText('after', '\nExample:\n  $ junction audit export --since 7d -o audit.ndjson')
    .action(async (options: { since?: string; until?: string; out?: string }, command: Command) => {
      const api = apiFor(command);
      const query = { since: options.since ? sinceInstant(options.since) : undefined, until: options.until };
      const res = await api.raw('GET', '/v1/audit/export', 'exporting the audit log', { query, headers: { accept: 'application/x-ndjson' } });
      if (!res.ok) throw new ApiError(res.status, (await res.json().catch(() => ({}))) as Problem, 'exporting the audit log');
      const text = await res.text();
      const lines = text.split('\n').filter((l) => l !== '');
      const { output } = globals(command);
      const rendered = output === 'json' ? `[${lines.join(',\n')}]` : output === 'yaml' ? stringify(lines.map((l) => JSON.parse(l) as unknown)).trimEnd() : lines.join('\n');
      if (!options.out) return print(rendered);
      const file = createWriteStream(options.out, { mode: 0o600 });
      await new Promise<void>((resolve, reject) => file.end(rendered === '' ? '' : `${rendered}\n`, () => resolve()).on('error', reject));
      note(`wrote ${lines.length} audit events to ${options.out}`);
    });
  return audit;
}
