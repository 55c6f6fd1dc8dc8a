import { Command, CommanderError, Option } from 'commander';
import { auditCommand } from './commands/audit.command';
import { completionCommand } from './commands/completion.command';
import { connectionsCommand } from './commands/connections.command';
import { deadLettersCommand } from './commands/dead-letters.command';
import { jobsCommand } from './commands/jobs.command';
import { loginCommand, profilesCommand } from './commands/login.command';
import { recipesCommand } from './commands/recipes.command';
import { runCommand } from './commands/run.command';
import { CliError, EXIT } from './exit-codes';
import { OUTPUT_FORMATS } from './output/render';

export const CLI_VERSION = '0.1.0';

/** The `junction` command tree. */
export function buildProgram(): Command {
  const program = new Command('junction')
    .description('Junction from a terminal: recipes as code, runs, jobs, connections and the audit log')
    .version(CLI_VERSION)
    .addOption(new Option('-p, --profile <name>', 'the saved profile (environment) to use; default: JUNCTION_PROFILE, then the current one'))
    .addOption(new Option('--output <format>', 'how answers are printed (after any command too)').choices(OUTPUT_FORMATS).default('table'))
    .showSuggestionAfterError()
    .addHelpText(
      'after',
      `
Environment:
  JUNCTION_PROFILE                 the profile to use when --profile is not given
  JUNCTION_URL, JUNCTION_API_KEY   override the profile (CI); both set: no profile needed

Exit codes: 0 done, 1 failed, 2 plan has changes, 3 job failed, 4 not logged in / key refused, 64 usage

Example:
  $ junction login --url http://localhost:3000 --key "$KEY"
  $ junction recipes apply -f recipes/`,
    );
  for (const command of [loginCommand(), profilesCommand(), recipesCommand(), runCommand(), jobsCommand(), deadLettersCommand(), connectionsCommand(), auditCommand()])
    program.addCommand(command);
  program.addCommand(completionCommand(program));
  program.exitOverride();
  for (const command of allCommands(program)) command.exitOverride();
  return program;
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** Runs the CLI; resolves with the exit code (errors printed in words on stderr, never a stack). */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version end with code 0; a usage error was already printed by commander
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`junction: ${(error as Error).message ?? String(error)}\n`);
    return EXIT.error;
  }
}
