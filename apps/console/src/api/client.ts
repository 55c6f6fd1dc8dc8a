import { currentKey, signOut } from './session';

/** One entry of a 422 problem's `errors`: a JSON pointer into the body and what is wrong there. */
export interface FieldError {
  path: string;
  message: string;
}

/** A failed API call, carrying the problem document (RFC 9457) the server sent. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly errors: FieldError[],
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

async function problemOf(res: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    // not JSON (a proxy's page): the status alone
  }
  const errors = Array.isArray(body['errors'])
    ? (body['errors'] as unknown[]).flatMap((e) => {
        const entry = e as Record<string, unknown>;
        return typeof entry?.['message'] === 'string' ? [{ path: String(entry['path'] ?? ''), message: entry['message'] }] : [];
      })
    : [];
  const title = typeof body['title'] === 'string' ? body['title'] : `HTTP ${res.status}`;
  const detail = typeof body['detail'] === 'string' ? body['detail'] : undefined;
  return new ApiError(res.status, title, detail, errors);
}

/**
 * A call to the public API with the signed-in key. A 401 means the key is no longer good: the
 * session ends and the sign-in form shows again.
 */
export async function api<T>(method: string, path: string, body?: unknown, key = currentKey()): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers['authorization'] = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit' });
  if (!res.ok) {
    const error = await problemOf(res);
    if (res.status === 401 && key === currentKey()) signOut();
    throw error;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** The error in words, for people: the problem's detail when there is one. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.detail ?? error.title;
  if (error instanceof Error) return error.message;
  return String(error);
}
