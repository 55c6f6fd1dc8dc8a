import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { generateOpenApiDocument, serializeOpenApiDocument } from './openapi-generate';

type Operation = { operationId: string; security?: unknown[]; parameters?: { $ref?: string }[]; responses: Record<string, { content?: Record<string, unknown> }> };

/**
 * POSTs that answer 201/202 but take no `Idempotency-Key`: logging in makes a stateless session
 * token (replaying one from storage would keep a bearer secret 24 h); a webhook delivery is
 * deduplicated by the sender's delivery id (the recipe's dedupe settings), as senders retry.
 */
// deliveries deduplicated by their own id (a hook's delivery id, an event's `id`), not by Idempotency-Key
const NOT_CREATES = new Set(['sessions_login', 'hooks_deliver', 'events_deliver']);
const PUBLIC = new Set(['sessions_login', 'sessions_jwks', 'oAuthCallback_callback', 'hooks_deliver']);

function operations(document: OpenAPIObject): { method: string; path: string; op: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Operation>)
      .filter(([method]) => ['get', 'put', 'post', 'delete', 'patch'].includes(method))
      .map(([method, op]) => ({ method, path, op })),
  );
}

describe('the API contract (docs/openapi.json)', () => {
  let document: OpenAPIObject;
  beforeAll(async () => {
    document = await generateOpenApiDocument();
  }, 60_000);

  it('is committed as the code describes it (else: npm run openapi)', () => {
    const committed = readFileSync(join(__dirname, '../../../../../docs/openapi.json'), 'utf8');
    expect(committed).toBe(serializeOpenApiDocument(document));
  });

  it('marks every create with Idempotency-Key, 409 and 422', () => {
    const creates = operations(document).filter(({ method, op }) => method === 'post' && (op.responses['201'] || op.responses['202']) && !NOT_CREATES.has(op.operationId));
    expect(creates.map(({ path }) => path).sort()).toEqual(
      ['/v1/api-keys', '/v1/connections', '/v1/connectors', '/v1/recipes', '/v1/recipes/{id}/runs', '/v1/users', '/v1/workspaces'].sort(),
    );
    for (const { op } of creates) {
      expect(op.parameters).toContainEqual({ $ref: '#/components/parameters/IdempotencyKey' });
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['409', '422']));
    }
  });

  it('takes Idempotency-Key on exactly the routes that create (a rerun answers 200 but makes jobs)', () => {
    const idempotent = operations(document).filter(({ op }) => op.parameters?.some((p) => p.$ref === '#/components/parameters/IdempotencyKey'));
    expect(idempotent.every(({ method }) => method === 'post')).toBe(true);
    // the routes e2e/cluster/src/idempotency-keys.e2e-spec.ts drives through replay, 422 and 409
    expect(idempotent.map(({ path }) => path).sort()).toEqual(
      ['/v1/api-keys', '/v1/connections', '/v1/connectors', '/v1/jobs/rerun', '/v1/jobs/{id}/rerun', '/v1/recipes', '/v1/recipes/{id}/runs', '/v1/users', '/v1/workspaces'].sort(),
    );
  });

  it('states the security of every operation: empty only on the public ones', () => {
    for (const { method, path, op } of operations(document)) {
      expect({ route: `${method} ${path}`, security: op.security }).toEqual({ route: `${method} ${path}`, security: expect.any(Array) });
      expect({ route: `${method} ${path}`, public: op.security?.length === 0 }).toEqual({ route: `${method} ${path}`, public: PUBLIC.has(op.operationId) });
    }
  });

  it('describes every error as a problem document', () => {
    for (const { op } of operations(document)) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) >= 400) expect(Object.keys(response.content ?? {})).toEqual(['application/problem+json']);
      }
    }
  });
});
