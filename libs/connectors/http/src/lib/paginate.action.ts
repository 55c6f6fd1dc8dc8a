import { FatalError, Type, defineAction } from '@junction/connector-sdk';
import { RequestInput, call } from './request.action';

const Pagination = Type.Union([
  Type.Object(
    {
      /** Follow `Link: <...>; rel="next"` (GitHub style). */
      type: Type.Literal('link_header'),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      /** Read the next cursor from the body, send it as a query parameter (Stripe/Slack style). */
      type: Type.Literal('cursor'),
      cursorPath: Type.String({ description: 'dotted path of the next cursor in the body, e.g. response_metadata.next_cursor' }),
      cursorParam: Type.String({ description: 'query parameter that carries it, e.g. cursor or starting_after' }),
    },
    { additionalProperties: false },
  ),
]);

export const PaginateInput = Type.Composite([
  Type.Omit(RequestInput, ['method', 'body', 'form', 'text', 'contentType']),
  Type.Object({
    pagination: Pagination,
    /** Dotted path of the item list in each page's body; the body itself when absent. */
    itemsPath: Type.Optional(Type.String()),
    maxPages: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 20 })),
  }),
]);

export function getPath(value: unknown, path: string | undefined): unknown {
  if (!path) return value;
  return path.split('.').reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value);
}

function nextLink(header: unknown): string | undefined {
  const text = Array.isArray(header) ? header.join(',') : typeof header === 'string' ? header : '';
  for (const part of text.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m) return m[1];
  }
  return undefined;
}

export const paginateAction = defineAction({
  key: 'paginate',
  displayName: 'HTTP GET, all pages',
  // GETs only
  idempotent: true,
  description: 'GETs a list endpoint page after page (Link header or body cursor) and returns every item.',
  input: PaginateInput,
  output: Type.Object({ items: Type.Array(Type.Unknown()), pages: Type.Integer() }),
  async run(ctx) {
    const items: unknown[] = [];
    const maxPages = ctx.input.maxPages ?? 20;
    let url = ctx.input.url;
    let query = { ...(ctx.input.query ?? {}) };
    for (let page = 1; page <= maxPages; page++) {
      const res = await call(ctx.http, { ...ctx.input, method: 'GET', url, query }, ctx.credentials, ctx.auth, ctx.idempotencyKey, ctx.signal);
      const list = getPath(res.body, ctx.input.itemsPath);
      if (!Array.isArray(list)) throw new FatalError(`page ${page}: ${ctx.input.itemsPath ?? 'the body'} is not a list`);
      items.push(...list);
      const pagination = ctx.input.pagination;
      if (pagination.type === 'link_header') {
        const next = nextLink(res.headers.link);
        if (!next) return { items, pages: page };
        url = new URL(next, res.url).toString();
        query = {};
      } else {
        const cursor = getPath(res.body, pagination.cursorPath);
        if (cursor === undefined || cursor === null || cursor === '') return { items, pages: page };
        query = { ...query, [pagination.cursorParam]: String(cursor) };
      }
    }
    return { items, pages: maxPages };
  },
});
