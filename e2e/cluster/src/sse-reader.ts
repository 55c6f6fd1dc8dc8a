/** One Server-Sent Event as received: its name, id and parsed JSON data. */
export interface ReceivedEvent {
  event: string;
  id?: string;
  data: unknown;
}

export interface ReadStream {
  status: number;
  contentType: string;
  events: ReceivedEvent[];
  /** Comment lines (`: keep-alive`) seen. */
  comments: number;
  /** True when the server ended the response; false when the reader gave up after `timeoutMs`. */
  closedByServer: boolean;
}

/** Parses complete `\n\n`-terminated blocks of an event stream; returns what is left of an incomplete one. */
function parseBlocks(buffer: string, into: ReadStream): string {
  let end: number;
  while ((end = buffer.indexOf('\n\n')) >= 0) {
    const block = buffer.slice(0, end);
    buffer = buffer.slice(end + 2);
    const fields: Record<string, string> = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) into.comments++;
      else {
        const colon = line.indexOf(':');
        if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
      }
    }
    if (fields.data !== undefined) into.events.push({ event: fields.event ?? 'message', ...(fields.id !== undefined ? { id: fields.id } : {}), data: JSON.parse(fields.data) });
  }
  return buffer;
}

/**
 * Reads an event stream until the server closes it (or `timeoutMs` passes). A non-stream answer
 * (a problem document) is returned with no events.
 */
export async function readEvents(url: string, token: string | undefined, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<ReadStream> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const res = await fetch(url, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const result: ReadStream = { status: res.status, contentType: res.headers.get('content-type') ?? '', events: [], comments: 0, closedByServer: false };
  if (!result.contentType.startsWith('text/event-stream') || !res.body) {
    await res.text();
    clearTimeout(timer);
    return result;
  }
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body) buffer = parseBlocks(buffer + decoder.decode(chunk as Uint8Array, { stream: true }), result);
    result.closedByServer = true;
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
  }
  return result;
}

/** Opens a stream and keeps it open until `close()`: its status says whether it was admitted. */
export async function holdStream(url: string, token: string): Promise<{ status: number; close: () => void }> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: abort.signal });
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) await res.text();
  return { status: res.status, close: () => abort.abort() };
}
