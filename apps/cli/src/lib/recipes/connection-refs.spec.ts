import { connectionPaths, nameConnections, resolveConnectionNames } from './connection-refs';

const CRM = { id: 'conn_01JF8Z5Q3V7X9B2C4D6E8G0H2M', name: 'crm' };
const SLACK = { id: 'conn_01JF8Z5Q3V7X9B2C4D6E8G0H3N', name: 'slack prod' };

const recipe = () => ({
  name: 'r',
  trigger: { type: 'webhook', connection: 'crm', signature: { header: 'X-Sig', algorithm: 'hmac-sha256', connection: 'slack prod' } },
  steps: [
    { id: 'a', action: 'http.request', connection: 'crm' },
    {
      id: 'b',
      if: true,
      then: [{ id: 'c', action: 'slack.post_message', connection: CRM.id }],
      else: [{ id: 'd', forEach: [1], steps: [{ id: 'e', action: 'x.y', connection: 'slack prod' }] }],
    },
    { id: 'f', try: [{ id: 'g', action: 'x.y', connection: 'crm' }], catch: [{ id: 'h', set: { connection: 'not a reference' } }] },
  ],
});

describe('connection references: name → id in the target workspace', () => {
  it('finds every connection field, nested steps included, and nothing else', () => {
    expect(connectionPaths(recipe())).toEqual([
      '/trigger/connection',
      '/trigger/signature/connection',
      '/steps/0/connection',
      '/steps/1/then/0/connection',
      '/steps/1/else/0/steps/0/connection',
      '/steps/2/try/0/connection',
    ]);
  });

  it('resolves names to ids, lets ids through and leaves the input untouched', () => {
    const input = recipe();
    const { recipe: resolved, unresolved } = resolveConnectionNames(input, [CRM, SLACK]);
    expect(unresolved).toEqual([]);
    expect(resolved).toEqual(
      expect.objectContaining({
        trigger: expect.objectContaining({ connection: CRM.id, signature: expect.objectContaining({ connection: SLACK.id }) }),
      }),
    );
    const steps = resolved['steps'] as { connection?: string; then?: { connection: string }[]; else?: { steps: { connection: string }[] }[] }[];
    expect(steps[0].connection).toBe(CRM.id);
    expect(steps[1].then?.[0].connection).toBe(CRM.id);
    expect(steps[1].else?.[0].steps[0].connection).toBe(SLACK.id);
    expect(input.steps[0].connection).toBe('crm');
    expect(JSON.stringify(resolved)).toContain('"connection":"not a reference"');
  });

  it('lists each unknown name with its path instead of guessing', () => {
    const { unresolved } = resolveConnectionNames(recipe(), [CRM]);
    expect(unresolved).toEqual([
      { path: '/trigger/signature/connection', value: 'slack prod' },
      { path: '/steps/1/else/0/steps/0/connection', value: 'slack prod' },
    ]);
  });

  it('names ids back (export), keeping an id whose connection is gone', () => {
    const stored = resolveConnectionNames(recipe(), [CRM, SLACK]).recipe;
    const named = nameConnections(stored, [CRM, SLACK]);
    expect((named['steps'] as { then?: { connection: string }[] }[])[1].then?.[0].connection).toBe('crm');
    expect(named['trigger']).toEqual(recipe().trigger);
    const orphan = nameConnections(stored, [SLACK]);
    expect((orphan['trigger'] as { connection: string }).connection).toBe(CRM.id);
  });

  it('does not treat a name that merely looks odd as an id', () => {
    const r = { name: 'r', trigger: { type: 'manual' }, steps: [{ id: 'a', action: 'x.y', connection: 'conn_not_an_id' }] };
    expect(resolveConnectionNames(r, [CRM]).unresolved).toEqual([{ path: '/steps/0/connection', value: 'conn_not_an_id' }]);
  });
});
