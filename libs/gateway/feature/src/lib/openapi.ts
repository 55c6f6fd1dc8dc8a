import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { completeContract, operationIdOf, routeTraits } from './openapi-contract';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Junction API')
    .setDescription('Public API of Junction. Errors are application/problem+json (RFC 9457); lists are cursor-paginated.')
    .setVersion('1')
    .build();
  const document = SwaggerModule.createDocument(app, config, { operationIdFactory: operationIdOf });
  document.paths['/hooks/{hookId}'] = HOOKS_PATH;
  return completeContract(document, routeTraits(app), new Map([[HOOKS_PATH.post.operationId, { public: true, rootToken: false, idempotent: false }]]));
}

/** Webhook ingress is served outside Nest (see `serveHooksDirectly`), so it is described here. */
const HOOKS_PATH = {
  post: {
    operationId: 'hooks_deliver',
    tags: ['webhooks'],
    summary: 'Deliver an event to a started webhook recipe; 202 only once it is durably stored',
    description:
      'Unauthenticated by design: the hook id is unguessable and signatures are checked per trigger. Any content type; the raw bytes are signed and kept. ' +
      'Errors are problem documents: 401 bad signature, 404 unknown or stopped hook, 413 body over HOOK_BODY_LIMIT_BYTES, 503 queue full or a service down (with Retry-After).',
    parameters: [{ name: 'hookId', in: 'path' as const, required: true, schema: { type: 'string' as const, pattern: '^[A-Za-z0-9_-]{16,64}$' } }],
    requestBody: { required: false, content: { '*/*': { schema: {} } } },
    responses: {
      '202': {
        description: 'Stored; `duplicate` is true when this delivery was seen before',
        content: {
          'application/json': {
            schema: {
              type: 'object' as const,
              properties: { status: { type: 'string' as const, enum: ['accepted'] }, dedupeKey: { type: 'string' as const }, duplicate: { type: 'boolean' as const } },
            },
          },
        },
      },
      '401': { description: 'The signature does not verify' },
      '404': { description: 'No such hook, or its recipe is stopped' },
      '413': { description: 'The body is over HOOK_BODY_LIMIT_BYTES' },
    },
  },
};

/** `/docs` (viewer) and `/docs/openapi.json` (the document). */
export function mountOpenApi(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json', raw: ['json'], customSiteTitle: 'Junction API' });
}
