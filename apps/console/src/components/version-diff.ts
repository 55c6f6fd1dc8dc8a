import { diffLines } from 'diff';

/** Unchanged runs longer than this are folded to their first and last CONTEXT lines. */
const CONTEXT = 3;

export interface DiffLine {
  kind: 'added' | 'removed' | 'same' | 'fold';
  text: string;
}

/** The line diff of two definitions, pretty-printed the same way so only real changes show. */
export function diffDefinitions(before: unknown, after: unknown): DiffLine[] {
  const lines: DiffLine[] = [];
  for (const part of diffLines(JSON.stringify(before, null, 2) + '\n', JSON.stringify(after, null, 2) + '\n')) {
    const texts = part.value.replace(/\n$/, '').split('\n');
    if (part.added) texts.forEach((text) => lines.push({ kind: 'added', text }));
    else if (part.removed) texts.forEach((text) => lines.push({ kind: 'removed', text }));
    else if (texts.length > CONTEXT * 2 + 1) {
      texts.slice(0, CONTEXT).forEach((text) => lines.push({ kind: 'same', text }));
      lines.push({ kind: 'fold', text: `… ${texts.length - CONTEXT * 2} unchanged lines` });
      texts.slice(-CONTEXT).forEach((text) => lines.push({ kind: 'same', text }));
    } else texts.forEach((text) => lines.push({ kind: 'same', text }));
  }
  return lines;
}
