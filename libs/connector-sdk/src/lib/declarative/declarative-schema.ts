/** JSON Schema of a declarative HTTP connector definition (what `POST /v1/connectors` accepts). */
const templatedValue = {}; // any JSON; strings may hold {{ input.path }} placeholders

export const DECLARATIVE_CONNECTOR_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'displayName', 'baseUrl', 'auth', 'actions'],
  properties: {
    key: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,40}$' },
    displayName: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: 'string', maxLength: 2000 },
    baseUrl: { type: 'string', pattern: '^https?://[^\\s{}]+$', maxLength: 2000 },
    auth: {
      oneOf: [
        { type: 'object', additionalProperties: false, required: ['kind'], properties: { kind: { const: 'none' } } },
        { type: 'object', additionalProperties: false, required: ['kind'], properties: { kind: { const: 'bearer' } } },
        { type: 'object', additionalProperties: false, required: ['kind'], properties: { kind: { const: 'basic' } } },
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'in', 'name'],
          properties: {
            kind: { const: 'api_key' },
            in: { enum: ['header', 'query'] },
            name: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
            prefix: { type: 'string', maxLength: 32 },
          },
        },
      ],
    },
    test: {
      type: 'object',
      additionalProperties: false,
      required: ['method', 'path'],
      description: 'a request that succeeds (2xx) only with working credentials, for POST /v1/connections/:id/test',
      properties: { method: { enum: ['GET', 'HEAD', 'POST'] }, path: { type: 'string', pattern: '^/[^{}]*$', maxLength: 2000 } },
    },
    actions: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key', 'displayName', 'method', 'path'],
        properties: {
          key: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,63}$' },
          displayName: { type: 'string', minLength: 1, maxLength: 200 },
          description: { type: 'string', maxLength: 2000 },
          method: { enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
          path: { type: 'string', pattern: '^/', maxLength: 2000 },
          query: { type: 'object', additionalProperties: { type: 'string', maxLength: 2000 }, maxProperties: 50 },
          headers: { type: 'object', additionalProperties: { type: 'string', maxLength: 2000 }, maxProperties: 50 },
          body: templatedValue,
          input: { type: 'object', description: 'JSON Schema of the action input' },
          output: { type: 'object', description: 'JSON Schema of the action output' },
          outputPath: { type: 'string', pattern: '^[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*$', description: 'dotted path of the output in the response body' },
          idempotent: { enum: [true, false, 'key'], description: 'whether a repeat is harmless (key: the API honours Idempotency-Key); default: true for GET, PUT, DELETE' },
        },
      },
    },
  },
} as const;
