import type { INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { PUBLIC_ROUTE } from '@junction/platform/http';
import { IDEMPOTENCY_KEY_MAX_LENGTH } from '@junction/platform/idempotency';
import { ROOT_TOKEN_ROUTE } from './auth/root-token';
import { IDEMPOTENT_CREATE } from './idempotency/idempotent-create.metadata';

type Json = Record<string, unknown>;
type Operation = Json & { operationId?: string; responses?: Record<string, Json>; parameters?: Json[]; security?: Json[]; description?: string };

/** How a route is reached, read from the same metadata the guards and interceptors act on. */
export interface RouteTraits {
  public: boolean;
  rootToken: boolean;
  idempotent: boolean;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
const PROBLEM = { $ref: '#/components/schemas/Problem' };
const RATE_LIMIT_HEADERS = { RateLimit: { $ref: '#/components/headers/RateLimit' }, 'RateLimit-Policy': { $ref: '#/components/headers/RateLimit-Policy' } };
const RETRY_AFTER = { 'Retry-After': { $ref: '#/components/headers/Retry-After' } };

/** `recipes_create` from `RecipesController` and `create`: stable, URL-safe, unique per route. */
export function operationIdOf(controllerKey: string, methodKey: string): string {
  const area = controllerKey.replace(/Controller$/, '');
  return `${area.charAt(0).toLowerCase()}${area.slice(1)}_${methodKey}`;
}

/** Every controller method of the application by operationId, with its guard metadata. */
export function routeTraits(app: INestApplication): Map<string, RouteTraits> {
  const traits = new Map<string, RouteTraits>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const method = prototype[name];
        if (name === 'constructor' || typeof method !== 'function') continue;
        const flag = (key: symbol) => Boolean(Reflect.getMetadata(key, method) ?? Reflect.getMetadata(key, controller));
        traits.set(operationIdOf(controller.name, name), {
          public: flag(PUBLIC_ROUTE),
          rootToken: flag(ROOT_TOKEN_ROUTE),
          idempotent: Reflect.getMetadata(IDEMPOTENT_CREATE, method) !== undefined,
        });
      }
    }
  }
  return traits;
}

/**
 * What @nestjs/swagger cannot infer, added to every operation from the routes' own metadata: who
 * may call it (security), the problem documents it may answer with, the rate-limit headers, and
 * `Idempotency-Key` on creates. Throws on an operation it cannot place, so a new route is never
 * published without them.
 */
export function completeContract(document: OpenAPIObject, traits: Map<string, RouteTraits>, extra: Map<string, RouteTraits> = new Map()): OpenAPIObject {
  const doc = document as unknown as Json & { paths: Record<string, Record<string, Operation>>; components: Json };
  doc['info'] = { ...(doc['info'] as Json), license: { name: 'MIT', identifier: 'MIT' } };
  doc['servers'] = [
    { url: 'http://127.0.0.1:3000', description: 'Junction on this machine (`npm start`, `npm run start:cluster`)' },
    {
      url: '{origin}',
      description: 'Your deployment: the gateway behind your ingress',
      variables: { origin: { default: 'https://junction.internal', description: 'scheme and host' } },
    },
  ];
  doc['components'] = withComponents(doc['components']);
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const id = operation.operationId ?? '';
      const route = traits.get(id) ?? extra.get(id);
      if (!route) throw new Error(`OpenAPI: ${method.toUpperCase()} ${path} (${id || 'no operationId'}) is not a known route`);
      completeOperation(operation, route);
    }
  }
  dropNullable(doc);
  return document;
}

function completeOperation(operation: Operation, route: RouteTraits): void {
  const authenticated = !route.public;
  operation.security = route.public ? [] : route.rootToken ? [{ rootToken: [] }] : [{ bearer: [] }];
  const responses = (operation.responses ??= {});
  problem(responses, '400', 'Invalid request: `errors` names each rejected field (path, query, header or body)');
  if (authenticated) {
    problem(responses, '401', route.rootToken ? 'The bearer token is not the root token' : 'No valid API key or session token');
    if (!route.rootToken) problem(responses, '403', 'The role of the key or user may not call this route');
    problem(responses, '429', 'The request budget of the key, user or workspace is spent', { ...RATE_LIMIT_HEADERS, ...RETRY_AFTER });
  }
  problem(responses, '503', 'A service behind the gateway did not answer in time; retry after `Retry-After`', RETRY_AFTER);
  if (route.idempotent) {
    (operation.parameters ??= []).push({ $ref: '#/components/parameters/IdempotencyKey' });
    problem(responses, '409', 'A request with this `Idempotency-Key` is still in progress (`Retry-After`)', RETRY_AFTER);
    problem(
      responses,
      '422',
      'This `Idempotency-Key` was used on this route in the last 24 h with another path or body (or, for an answer that shows a secret once, by another caller)',
    );
  }
  for (const [status, response] of Object.entries(responses)) {
    if (status >= '400') {
      if (!response['content']) response['content'] = { 'application/problem+json': { schema: PROBLEM } };
    } else if (authenticated && status.startsWith('2')) {
      response['headers'] = {
        ...RATE_LIMIT_HEADERS,
        ...(route.idempotent ? { 'Idempotent-Replayed': { $ref: '#/components/headers/Idempotent-Replayed' } } : {}),
        ...(response['headers'] as Json),
      };
    }
  }
}

/** Adds a problem response, or adds its meaning to one a decorator already declared. */
function problem(responses: Record<string, Json>, status: string, description: string, headers?: Json): void {
  const existing = responses[status];
  const merged = existing?.['description'] ? `${existing['description'] as string}; or: ${description}` : description;
  responses[status] = {
    ...existing,
    description: merged,
    content: { 'application/problem+json': { schema: PROBLEM } },
    ...(headers ? { headers: { ...headers, ...(existing?.['headers'] as Json) } } : {}),
  };
}

function withComponents(components: unknown): Json {
  const c = (components ?? {}) as Json;
  return {
    ...c,
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'An API key (`jn_live_…`) or a session token from `POST /v1/sessions`' },
      rootToken: { type: 'http', scheme: 'bearer', description: "The operator's `JUNCTION_ROOT_TOKEN`" },
    },
    schemas: { ...(c['schemas'] as Json), Problem: PROBLEM_SCHEMA },
    parameters: {
      ...(c['parameters'] as Json),
      IdempotencyKey: {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description:
          'Makes a retry safe for 24 h (per workspace): the same key with the same request answers the first response again (`Idempotent-Replayed: true`); ' +
          'with another body, 422; while the first is still running, 409. Failed requests are not kept. Use a random UUID per logical request.',
        schema: { type: 'string', minLength: 1, maxLength: IDEMPOTENCY_KEY_MAX_LENGTH },
      },
    },
    headers: {
      ...(c['headers'] as Json),
      RateLimit: { description: 'Remaining requests and seconds to reset, per policy (`"key";r=5999;t=60, "workspace";r=11999;t=60`)', schema: { type: 'string' } },
      'RateLimit-Policy': { description: 'Quota and window of each policy (`"key";q=6000;w=60, "workspace";q=12000;w=60`)', schema: { type: 'string' } },
      'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } },
      'Idempotent-Replayed': { description: '`true` when this is the first response to the same `Idempotency-Key`, answered again', schema: { type: 'string', enum: ['true'] } },
    },
  };
}

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem document; clients switch on `type`',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', format: 'uri', example: 'https://junction.dev/problems/validation-error' },
    title: { type: 'string', example: 'Invalid request' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      description: 'Each rejected field: its path (a JSON pointer in a body, or a parameter or header name) and what is wrong',
      items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
    traceId: { type: 'string', description: 'W3C trace id of the request, to find it in the logs' },
  },
};

/** OpenAPI 3.1 has no `nullable`: a nullable schema takes `null` among its types. */
function dropNullable(value: unknown): void {
  if (Array.isArray(value)) return value.forEach(dropNullable);
  if (value === null || typeof value !== 'object') return;
  const schema = value as Json;
  if (schema['nullable'] === true) {
    delete schema['nullable'];
    if (typeof schema['type'] === 'string') schema['type'] = [schema['type'], 'null'];
  } else if (schema['nullable'] === false) delete schema['nullable'];
  Object.values(schema).forEach(dropNullable);
}
