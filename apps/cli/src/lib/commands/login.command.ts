import { Command } from 'commander';
import { configPath, readConfig, saveProfile } from '../config/profiles';
import { globals, print } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { ApiClient } from '../http/api-client';
import { renderList } from '../output/render';

export function loginCommand(): Command {
  return new Command('login')
    .description('check an API key against a Junction and save it as a profile (config file mode 0600)')
    .requiredOption('--url <url>', 'the gateway, e.g. http://localhost:3000')
    .requiredOption('--key <key>', 'an API key of the workspace (or set it in JUNCTION_API_KEY and pass --key "$JUNCTION_API_KEY")')
    .addHelpText(
      'after',
      '\nExamples:\n  $ junction login --url http://localhost:3000 --key jk_live_…\n  $ junction login --profile production --url https://junction.example.com --key "$PROD_KEY"',
    )
    .action(async (options: { url: string; key: string }, command: Command) => {
      const name = globals(command).profile ?? 'default';
      const url = options.url.replace(/\/+$/, '');
      if (!/^https?:\/\//.test(url)) throw new CliError('--url must start with http:// or https://', EXIT.usage);
      // a key the API refuses is not saved: any authenticated read tells
      await new ApiClient({ profile: name, url, apiKey: options.key }).get('/v1/recipes', `checking the key with ${url}`, { limit: 1 });
      saveProfile(name, { url, apiKey: options.key });
      print(`Logged in to ${url} as profile "${name}" (saved in ${configPath()})`);
    });
}

export function profilesCommand(): Command {
  return new Command('profiles')
    .description('the saved profiles (keys not shown)')
    .addHelpText('after', '\nExample:\n  $ junction profiles')
    .action((_options: unknown, command: Command) => {
      const config = readConfig();
      const rows = Object.entries(config.profiles).map(([name, p]) => ({ name, url: p.url, current: name === config.current }));
      print(
        renderList(
          rows,
          [
            { header: 'PROFILE', value: (r) => (r.current ? `${r.name} *` : r.name) },
            { header: 'URL', value: (r) => r.url },
          ],
          globals(command).output,
        ),
      );
    });
}
