import { FatalError, Type, applyAuth, defineTrigger, errorFromResponse } from '@junction/connector-sdk';
import { getPath } from './paginate.action';

/**
 * Polls a JSON list endpoint for items after a cursor: the scheduler calls it on each tick with
 * the cursor it stored, and stores the new one only after the items are published as events.
 */
export const newItemsTrigger = defineTrigger({
  kind: 'polling',
  key: 'new_items',
  displayName: 'New items in a list',
  description: 'GET a list endpoint, passing the last seen cursor as a query parameter; each new item becomes one event.',
  config: Type.Object(
    {
      url: Type.String({ format: 'uri' }),
      itemsPath: Type.Optional(Type.String({ description: 'dotted path of the list in the body; the body itself when absent' })),
      idField: Type.String({ default: 'id', description: 'field whose value identifies an item (the dedupe key)' }),
      cursorField: Type.Optional(Type.String({ description: 'field of the last item that becomes the next cursor; idField when absent' })),
      cursorParam: Type.String({ default: 'since', description: 'query parameter carrying the cursor' }),
      pageSizeParam: Type.Optional(Type.String()),
      pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    },
    { additionalProperties: false },
  ),
  output: Type.Record(Type.String(), Type.Unknown()),
  async poll({ config, credentials, http, cursor, signal }) {
    const last = (cursor as { value?: string } | null)?.value;
    const query: Record<string, string> = {};
    if (last !== undefined) query[config.cursorParam ?? 'since'] = last;
    if (config.pageSizeParam && config.pageSize) query[config.pageSizeParam] = String(config.pageSize);
    const res = await http.request(applyAuth({ method: 'GET', url: config.url, query, signal }, credentials));
    const error = errorFromResponse(res.status, res.headers, res.body, 'poll');
    if (error) throw error;
    const items = getPath(res.body, config.itemsPath);
    if (!Array.isArray(items)) throw new FatalError(`${config.itemsPath ?? 'the body'} is not a list`);
    const idField = config.idField ?? 'id';
    const records = items.map((item: Record<string, unknown>) => {
      const id = item?.[idField];
      if (id === undefined || id === null) throw new FatalError(`an item has no ${idField}`);
      return { dedupeKey: String(id), data: item };
    });
    const tail = items.at(-1) as Record<string, unknown> | undefined;
    const next = tail ? String(tail[config.cursorField ?? idField]) : last;
    return {
      records,
      cursor: next === undefined ? null : { value: next },
      // a full page means the next one may be ready now
      hasMore: config.pageSize !== undefined && items.length >= config.pageSize,
    };
  },
});
