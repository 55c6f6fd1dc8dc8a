import { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes';

interface Node {
  path: string[];
  words: string[];
}

/** Every command path with the words that may follow it (subcommands and options). */
function commandTree(root: Command): Node[] {
  const nodes: Node[] = [];
  const visit = (command: Command, path: string[]): void => {
    // under a subcommand, the program's own options still apply (all but --version)
    const inherited = path.length === 0 ? [] : root.options.filter((o) => o.long !== '--version');
    const options = [...command.options, ...inherited].flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f)));
    nodes.push({ path, words: [...command.commands.map((c) => c.name()), ...options, '--help'] });
    for (const child of command.commands) visit(child, [...path, child.name()]);
  };
  visit(root, []);
  return nodes;
}

function bashScript(root: Command): string {
  const cases = commandTree(root)
    .map((n) => `    "${n.path.join(' ')}") words="${n.words.join(' ')}" ;;`)
    .join('\n');
  return `# junction bash completion: eval "$(junction completion bash)"
_junction() {
  local cur path="" w i words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    case "\${path:+$path }$w" in
${commandTree(root)
  .filter((n) => n.path.length > 0)
  .map((n) => `      "${n.path.join(' ')}") path="${n.path.join(' ')}" ;;`)
  .join('\n')}
    esac
  done
  case "$path" in
${cases}
  esac
  # no word matches (a file argument): -o default completes file names
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _junction junction
`;
}

function zshScript(root: Command): string {
  return `#compdef junction
# junction zsh completion: eval "$(junction completion zsh)"
autoload -U +X bashcompinit && bashcompinit
${bashScript(root)}`;
}

/** The completion script of a shell for this command tree. */
export function completionScript(root: Command, shell: 'bash' | 'zsh'): string {
  return shell === 'zsh' ? zshScript(root) : bashScript(root);
}

export function completionCommand(root: Command): Command {
  return new Command('completion')
    .description('print a shell completion script (bash or zsh)')
    .argument('[shell]', 'bash or zsh', 'bash')
    .addHelpText('after', '\nExamples:\n  $ eval "$(junction completion bash)"     # in ~/.bashrc\n  $ eval "$(junction completion zsh)"      # in ~/.zshrc')
    .action((shell: string) => {
      if (shell !== 'bash' && shell !== 'zsh') throw new CliError(`no completion for "${shell}": bash or zsh`, EXIT.usage);
      process.stdout.write(completionScript(root, shell));
    });
}
