import { Command } from 'commander';
import { apiFor, globals, print } from '../context';
import { listConnections } from '../http/junction-api';
import { renderList } from '../output/render';

export function connectionsCommand(): Command {
  const connections = new Command('connections').description('connections of the workspace (recipe files name them)');
  connections
    .command('list')
    .description('every connection: id, name, connector, status')
    .addHelpText('after', '\nExample:\n  $ junction connections list --output yaml')
    .action(async (_options: unknown, command: Command) => {
      const all = await listConnections(apiFor(command));
      const columns = [
        { header: 'ID', value: (c: (typeof all)[number]) => c.id },
        { header: 'NAME', value: (c: (typeof all)[number]) => c.name },
        { header: 'CONNECTOR', value: (c: (typeof all)[number]) => c.connector },
        { header: 'STATUS', value: (c: (typeof all)[number]) => c.status },
      ];
      print(renderList(all, columns, globals(command).output));
    });
  return connections;
}
