import { Command } from 'commander';
import { printJobs, rerunFailed, type RerunFailedOptions } from './jobs.command';

/** Dead letters are the failed jobs (the API lists them with `status=failed`); redrive reruns them. */
export function deadLettersCommand(): Command {
  const deadLetters = new Command('dead-letters').description('failed jobs (dead letters): list and redrive');
  deadLetters
    .command('list')
    .description('failed jobs, newest first')
    .option('-r, --recipe <recipe>', 'only this recipe (name or id)')
    .option('--since <iso>', 'failed jobs created at or after this instant (ISO 8601)')
    .option('-l, --limit <n>', 'at most this many (1–100)', '20')
    .addHelpText('after', '\nExample:\n  $ junction dead-letters list --recipe "orders to slack"')
    .action((options: { recipe?: string; since?: string; limit: string }, command: Command) => printJobs(command, { ...options, status: 'failed' }));
  deadLetters
    .command('redrive')
    .description("rerun a recipe's failed jobs from their failed step, with progress")
    .argument('<recipe>', 'recipe name or id')
    .option('--since <iso>', 'only jobs created at or after this instant (ISO 8601)')
    .option('--latest', "on the recipe's latest version instead of the one each job ran")
    .addHelpText('after', '\nExample:\n  $ junction dead-letters redrive "orders to slack" --latest')
    .action((name: string, options: RerunFailedOptions, command: Command) => rerunFailed(command, name, options));
  return deadLetters;
}
