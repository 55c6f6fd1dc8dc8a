import { actionInputs, literalInputErrors } from './literal-input';
import { validateRecipe } from '@junction/executor/domain';

/** The shape of `http.request`'s input schema as its connector publishes it (TypeBox: unions of constants, records, formats). */
const requestSchema = {
  type: 'object',
  required: ['method', 'url'],
  additionalProperties: false,
  properties: {
    method: { anyOf: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].map((m) => ({ const: m, type: 'string' })) },
    url: { type: 'string', format: 'uri', maxLength: 8192 },
    query: { type: 'object', patternProperties: { '^(.*)$': { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] } } },
    headers: { type: 'object', patternProperties: { '^(.*)$': { type: 'string' } } },
    body: {},
    timeoutMs: { type: 'integer', minimum: 100, maximum: 300000 },
    retry: {
      anyOf: [
        { type: 'object', required: ['mode'], properties: { mode: { const: 'none' } }, additionalProperties: false },
        { type: 'object', required: ['mode', 'attempts'], properties: { mode: { const: 'fixed' }, attempts: { type: 'integer', minimum: 1 } }, additionalProperties: false },
      ],
    },
  },
};

describe('literalInputErrors: an action input checked against its schema where it is written out', () => {
  it('refuses a literal of the wrong value, at its path, one line naming what it may be', () => {
    expect(literalInputErrors(requestSchema, { method: 'FETCH', url: 'https://example.com' }, '/steps/2/input')).toEqual([
      { path: '/steps/2/input/method', message: 'must be one of "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"' },
    ]);
    expect(literalInputErrors(requestSchema, { method: 'GET', url: 'https://example.com', timeoutMs: '5s', query: { a: { b: 1 } } }, '/steps/0/input')).toEqual([
      { path: '/steps/0/input/query/a', message: 'must be a string, a number or true or false' },
      { path: '/steps/0/input/timeoutMs', message: 'must be integer' },
    ]);
  });

  it('names a missing required field and one that is not allowed, and the closest alternative of an object union', () => {
    expect(literalInputErrors(requestSchema, { url: 'https://example.com', metod: 'GET' }, '/steps/1/input')).toEqual([
      { path: '/steps/1/input/method', message: 'is required' },
      { path: '/steps/1/input/metod', message: 'is not allowed here' },
    ]);
    expect(literalInputErrors(requestSchema, { method: 'GET', url: 'https://example.com', retry: { mode: 'fixed', attempts: 0 } }, '/steps/1/input')).toEqual([
      { path: '/steps/1/input/retry/attempts', message: 'must be >= 1 (closest: an object with mode: "fixed")' },
    ]);
  });

  it('takes every template as fitting: whole fields, text with a template inside, list items, a union member, the whole input', () => {
    const templated = {
      method: '{{ trigger.body.method }}',
      url: 'https://{{ trigger.body.host }}/orders',
      timeoutMs: '{{ vars.timeout }}',
      query: { page: '{{ trigger.body.page }}' },
      retry: { mode: 'fixed', attempts: '{{ vars.attempts }}' },
    };
    expect(literalInputErrors(requestSchema, templated, '/steps/0/input')).toEqual([]);
    expect(literalInputErrors(requestSchema, '{{ trigger.body.request }}', '/steps/0/input')).toEqual([]);
    expect(literalInputErrors(requestSchema, { method: 'GET', url: 'https://example.com', retry: '{{ vars.retry }}' }, '/steps/0/input')).toEqual([]);
    // a template beside a literal mistake hides only itself
    expect(literalInputErrors(requestSchema, { method: '{{ trigger.body.m }}', url: 'https://example.com', timeoutMs: 5 }, '/steps/0/input')).toEqual([
      { path: '/steps/0/input/timeoutMs', message: 'must be >= 100' },
    ]);
  });

  it('fills defaults as the run-time check does, without writing them into the recipe, and leaves a schema it cannot compile to run time', () => {
    const input = { method: 'GET', url: 'https://example.com' };
    // a required field with a default is filled at run time, so it is not missing at save either
    const withDefault = { ...requestSchema, required: ['method', 'url', 'extra'], properties: { ...requestSchema.properties, extra: { type: 'string', default: 'x' } } };
    expect(literalInputErrors(withDefault, input, '/steps/0/input')).toEqual([]);
    expect(input).toEqual({ method: 'GET', url: 'https://example.com' });
    expect(literalInputErrors({ type: 'string', pattern: '(?<=a)b' }, 'zzz', '/steps/0/input')).toEqual([]);
  });
});

describe('actionInputs', () => {
  it('lists every action input with its pointer (action steps, nested ones, an approval’s notify), an absent input as {}', () => {
    const recipe = {
      name: 'r',
      trigger: { type: 'webhook' },
      steps: [
        { id: 'a', action: 'http.request', input: { method: 'GET', url: 'https://example.com' } },
        { id: 'each', forEach: '{{ trigger.body.items }}', steps: [{ id: 'b', action: 'slack.post_message' }] },
        { id: 'fan', parallel: { left: [{ id: 'c', action: 'http.request', input: { method: 'X' } }], right: [{ id: 'd', set: { x: 1 } }] } },
        { id: 'ok', approval: { title: 'ship?', notify: { action: 'slack.post_message', connection: 'conn_x', input: { text: 'hi' } } } },
      ],
    };
    const valid = validateRecipe(recipe);
    if (!valid.ok) throw new Error(JSON.stringify(valid.errors));
    expect(actionInputs(valid.recipe)).toEqual([
      { path: '/steps/0/input', action: 'http.request', input: { method: 'GET', url: 'https://example.com' } },
      { path: '/steps/1/steps/0/input', action: 'slack.post_message', input: {} },
      { path: '/steps/2/parallel/left/0/input', action: 'http.request', input: { method: 'X' } },
      { path: '/steps/3/approval/notify/input', action: 'slack.post_message', input: { text: 'hi' } },
    ]);
  });
});
