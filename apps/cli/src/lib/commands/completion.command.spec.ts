import { execFileSync } from 'node:child_process';
import { buildProgram } from '../program';
import { completionScript } from './completion.command';

describe('shell completion', () => {
  const script = completionScript(buildProgram(), 'bash');

  it('knows every command path and its options', () => {
    expect(script).toContain('"recipes apply") words="--file -f --prune --marker --profile -p --output --help"');
    expect(script).toContain('"jobs logs") words="--follow -f --profile -p --output --help"');
    expect(script).toContain('complete -o default -F _junction junction');
  });

  it('completes in bash', () => {
    const complete = (words: string[]) =>
      execFileSync('bash', ['-c', `${script}\nCOMP_WORDS=(${words.map((w) => `"${w}"`).join(' ')}); COMP_CWORD=${words.length - 1}; _junction; echo "\${COMPREPLY[@]}"`], {
        encoding: 'utf8',
      }).trim();
    expect(complete(['junction', 're'])).toBe('recipes');
    expect(complete(['junction', 'recipes', 'p'])).toBe('plan');
    expect(complete(['junction', 'jobs', 'logs', 'job_1', '--f'])).toBe('--follow');
  });

  it('wraps the same for zsh', () => {
    expect(completionScript(buildProgram(), 'zsh')).toMatch(/^#compdef junction\n[\s\S]*bashcompinit[\s\S]*_junction\(\)/);
  });
});
