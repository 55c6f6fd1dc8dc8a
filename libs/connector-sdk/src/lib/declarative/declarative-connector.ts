import { Type } from '@sinclair/typebox';
import type { AuthSpec } from '../auth';
import { applyAuth } from '../auth';
import { defineConnector, type ActionDefinition, type ConnectorDefinition } from '../definitions';
import { errorFromResponse } from '../errors';
import type { HttpMethod } from '../http-client';
import { validateAgainst, type SchemaError } from '../schema-validation';
import { DECLARATIVE_CONNECTOR_SCHEMA } from './declarative-schema';
import { lookup, placeholders, render } from './template';

export interface DeclarativeAction {
  key: string;
  displayName: string;
  description?: string;
  method: Exclude<HttpMethod, 'HEAD' | 'OPTIONS'>;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
  input?: Record<string, unknown>;
  output?: Record<string, unknown>;
  outputPath?: string;
  /** Whether a repeat is harmless; by default GET, PUT and DELETE are (HTTP says so), POST and PATCH are not (the API may ignore the Idempotency-Key sent). */
  idempotent?: boolean | 'key';
}

export interface DeclarativeConnector {
  key: string;
  displayName: string;
  description?: string;
  baseUrl: string;
  auth: Extract<AuthSpec, { kind: 'none' | 'bearer' | 'basic' | 'api_key' }>;
  /** A request that answers 2xx only with working credentials (a "who am I"): the connection test. */
  test?: { method: 'GET' | 'HEAD' | 'POST'; path: string };
  actions: DeclarativeAction[];
}

const ANY_OBJECT = { type: 'object' };

/**
 * Checks a declarative definition: its shape, unique action keys, input/output schemas that
 * compile, and placeholders that only read `input.*`. Every problem comes with its JSON path.
 */
export function validateDeclarative(definition: unknown): SchemaError[] {
  const errors = validateAgainst(DECLARATIVE_CONNECTOR_SCHEMA, definition);
  if (errors.length) return errors;
  const d = definition as DeclarativeConnector;
  const seen = new Set<string>();
  d.actions.forEach((action, i) => {
    if (seen.has(action.key)) errors.push({ path: `/actions/${i}/key`, message: `action "${action.key}" is declared twice` });
    seen.add(action.key);
    for (const [field, schema] of [
      ['input', action.input],
      ['output', action.output],
    ] as const) {
      if (!schema) continue;
      try {
        validateAgainst(schema, {});
      } catch (error) {
        errors.push({ path: `/actions/${i}/${field}`, message: `is not a valid JSON Schema: ${(error as Error).message}` });
      }
    }
    for (const [field, template] of [
      ['path', action.path],
      ['query', action.query],
      ['headers', action.headers],
      ['body', action.body],
    ] as const) {
      for (const ref of placeholders(template)) {
        if (!ref.startsWith('input.')) errors.push({ path: `/actions/${i}/${field}`, message: `placeholder {{ ${ref} }} may only read input.*` });
      }
    }
  });
  return errors;
}

/** Turns a validated declarative definition into a connector the invoker runs like a built-in one. */
export function toConnector(d: DeclarativeConnector, version: number): ConnectorDefinition {
  const actions: ActionDefinition[] = d.actions.map((a) => ({
    key: a.key,
    displayName: a.displayName,
    description: a.description,
    idempotent: a.idempotent ?? (a.method === 'GET' || a.method === 'PUT' || a.method === 'DELETE'),
    input: (a.input ?? ANY_OBJECT) as ReturnType<typeof Type.Unknown>,
    output: (a.output ?? {}) as ReturnType<typeof Type.Unknown>,
    async run(ctx) {
      const scope = { input: ctx.input as Record<string, unknown> };
      const path = render(a.path, scope, encodeURIComponent) as string;
      const query = a.query
        ? (Object.fromEntries(
            Object.entries(render(a.query, scope) as Record<string, unknown>)
              .filter(([, v]) => v !== undefined && v !== '')
              .map(([k, v]) => [k, String(v)]),
          ) as Record<string, string>)
        : undefined;
      const headers = a.headers ? (render(a.headers, scope) as Record<string, string>) : {};
      if (a.method !== 'GET') headers['idempotency-key'] ??= ctx.idempotencyKey;
      const res = await ctx.http.request(
        applyAuth(
          {
            method: a.method,
            url: `${d.baseUrl.replace(/\/$/, '')}${path}`,
            query,
            headers,
            ...(a.body !== undefined ? { body: { json: render(a.body, scope) } } : {}),
            signal: ctx.signal,
          },
          ctx.credentials,
          d.auth,
        ),
      );
      const error = errorFromResponse(res.status, res.headers, res.body, `${d.key}.${a.key}`);
      if (error) throw error;
      return a.outputPath ? lookup({ body: res.body }, `body.${a.outputPath}`) : res.body;
    },
  }));
  return defineConnector({
    key: d.key,
    version: `${version}.0.0`,
    displayName: d.displayName,
    description: d.description ?? `Custom HTTP connector for ${d.baseUrl}`,
    auth: [d.auth],
    // a custom connector's credentials belong to its own base URL's host
    hosts: [baseHost(d.baseUrl)],
    actions,
    triggers: [],
    ...(d.test ? { test: testRequest(d, d.test) } : {}),
  });
}

/** The connection test of a declarative connector: its request with the credentials, any non-2xx a typed error. */
function testRequest(d: DeclarativeConnector, test: NonNullable<DeclarativeConnector['test']>): NonNullable<ConnectorDefinition['test']> {
  return async (ctx) => {
    const res = await ctx.http.request(applyAuth({ method: test.method, url: `${d.baseUrl.replace(/\/$/, '')}${test.path}`, signal: ctx.signal }, ctx.credentials, d.auth));
    const error = errorFromResponse(res.status, res.headers, res.body, `${d.key} connection test`);
    if (error) throw error;
  };
}

function baseHost(baseUrl: string): string {
  const u = new URL(baseUrl);
  return `${u.protocol === 'http:' ? 'http://' : ''}${u.host}`;
}
