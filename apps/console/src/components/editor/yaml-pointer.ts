import { isMap, isNode, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';

function unescape(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** A map's value node for a key, comparing the keys' values (a key may be quoted or not). */
function mapValue(node: Node, key: string): Node | undefined {
  if (!isMap(node)) return undefined;
  const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === key);
  return pair && isNode(pair.value) ? pair.value : undefined;
}

/**
 * Where a JSON pointer (as the API's 422 errors give them) points in a YAML text: the source range
 * of that value, or of the deepest part of the path that exists, like `pointerRange` for JSON.
 * A document that does not parse at all marks its first character.
 */
export function yamlPointerRange(source: string | Document, pointer: string): { from: number; to: number } {
  const document = typeof source === 'string' ? parseDocument(source) : source;
  const root = document.contents;
  if (!isNode(root) || !root.range) return { from: 0, to: Math.min(1, typeof source === 'string' ? source.length : 0) };
  let node: Node = root;
  const segments = pointer === '' ? [] : pointer.replace(/^\//, '').split('/').map(unescape);
  for (const segment of segments) {
    const next = isSeq(node) ? (/^\d+$/.test(segment) ? node.items[Number(segment)] : undefined) : mapValue(node, segment);
    if (!isNode(next) || !next.range) break;
    node = next;
  }
  const [from, valueEnd] = node.range ?? [0, 0];
  return { from, to: valueEnd };
}
