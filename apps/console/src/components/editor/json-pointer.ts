import { ensureSyntaxTree, syntaxTree } from '@codemirror/language';
import type { EditorState } from '@codemirror/state';

/** A node of the JSON syntax tree (the type of @lezer/common, reached through the language package). */
type SyntaxNode = ReturnType<typeof syntaxTree>['topNode'];

/** The value children of an Object (its Property nodes) or an Array (its values), skipping punctuation. */
function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (!['{', '}', '[', ']', ',', '⚠'].includes(child.name)) out.push(child);
  }
  return out;
}

function unescape(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * Where a JSON pointer (`/steps/0/id`, as the API's 422 errors give them) points in the text: the
 * range of that value, or of the deepest part of the path that exists (a missing property is
 * reported on its object).
 */
export function pointerRange(state: EditorState, pointer: string): { from: number; to: number } {
  // the whole tree: the state's own may stop where its first parse ran out of time (a long text, a busy machine)
  const top = (ensureSyntaxTree(state, state.doc.length, 1000) ?? syntaxTree(state)).topNode.firstChild;
  if (!top) return { from: 0, to: Math.min(1, state.doc.length) };
  let node: SyntaxNode = top;
  const segments = pointer === '' ? [] : pointer.replace(/^\//, '').split('/').map(unescape);
  for (const segment of segments) {
    let next: SyntaxNode | undefined;
    if (node.name === 'Object') {
      const property = children(node).find((p) => {
        const name = p.getChild('PropertyName');
        if (!name) return false;
        try {
          return JSON.parse(state.sliceDoc(name.from, name.to)) === segment;
        } catch {
          return false;
        }
      });
      next = property?.lastChild && property.lastChild.name !== 'PropertyName' ? property.lastChild : undefined;
    } else if (node.name === 'Array' && /^\d+$/.test(segment)) {
      next = children(node)[Number(segment)];
    }
    if (!next) break;
    node = next;
  }
  return { from: node.from, to: node.to };
}
