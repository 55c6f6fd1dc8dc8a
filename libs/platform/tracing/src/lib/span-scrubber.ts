import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * Attributes never exported, whatever an instrumentation or a future option records: query
 * strings, headers, bodies, cookies and anything named like a credential.
 */
const DROPPED_KEY = /query|header|body|cookie|authori[sz]ation|password|passwd|secret|token|credential|api[-_.]?key|connection_string/i;
// exception messages and stacks quote what a third party or a driver said: only the type is kept
const DROPPED_EVENT_KEY = /^exception\.(message|stacktrace)$/;
// a status message is kept only when it is a code (`retryable`, `TypeError`), not a sentence
const STATUS_CODE = /^[\w.:-]{1,64}$/;

const URL_WITH_PARTS = /\b([a-z][a-z0-9+.-]*:\/\/)(?:[^\s/?#@]*@)?([^\s?#]*)(?:\?[^\s#]*)?(?:#\S*)?/gi;
// a path anywhere in the text (`GET /x?y`, `/x?y`), its query and fragment cut
const PATH_QUERY = /(^|\s)(\/[^\s?#]*)[?#]\S*/g;
// a webhook's URL is its credential: its id never leaves in a span
const HOOK_ID = /\/hooks\/[^/\s?#]+/g;
const BEARER = /\b(bearer|basic)\s+[\w.~+/=-]+/gi;
const JUNCTION_KEY = /\bjn_[a-z]+_[\w-]+/gi;

/** A text without query strings, URL user-info, hook ids or bearer tokens. */
export function scrubText(text: string): string {
  return text
    .replace(URL_WITH_PARTS, (_all, scheme: string, rest: string) => scheme + rest)
    .replace(PATH_QUERY, '$1$2')
    .replace(HOOK_ID, '/hooks/:hookId')
    .replace(BEARER, '$1 [REDACTED]')
    .replace(JUNCTION_KEY, '[REDACTED]');
}

export function scrubAttributes(attributes: Attributes, dropped: RegExp = DROPPED_KEY): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (dropped.test(key) || value === undefined) continue;
    out[key] = scrubValue(value);
  }
  return out;
}

function scrubValue(value: AttributeValue): AttributeValue {
  if (typeof value === 'string') return scrubText(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? scrubText(v) : v)) as AttributeValue;
  return value;
}

/** The span as exported: same ids, times and kind; name, attributes, events and status scrubbed. */
export function scrubSpan(span: ReadableSpan): ReadableSpan {
  const message = span.status.message;
  return Object.create(span, {
    name: { value: scrubText(span.name) },
    attributes: { value: scrubAttributes(span.attributes) },
    events: {
      value: span.events.map((event) => ({
        ...event,
        name: scrubText(event.name),
        ...(event.attributes ? { attributes: scrubAttributes(event.attributes, new RegExp(`${DROPPED_KEY.source}|${DROPPED_EVENT_KEY.source}`, 'i')) } : {}),
      })),
    },
    links: { value: span.links.map((link) => ({ ...link, ...(link.attributes ? { attributes: scrubAttributes(link.attributes) } : {}) })) },
    status: { value: message !== undefined && STATUS_CODE.test(message) ? span.status : { code: span.status.code } },
  }) as ReadableSpan;
}

/**
 * The last wall before spans leave the process: whatever the instrumentations recorded is scrubbed
 * here (`scrubSpan`), so a new instrumentation option or a forgotten attribute cannot export a
 * secret. The instrumentations are also configured to record none in the first place.
 */
export class ScrubbingExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans.map(scrubSpan), resultCallback);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
