import { exportRecipe } from './recipe-export';
import { parseRecipeFile, type RecipeFile } from './recipe-file';
import { computePlan, type RemoteRecipe } from './recipe-plan';

const CRM = { id: 'conn_01JF8Z5Q3V7X9B2C4D6E8G0H2M', name: 'crm' };
const OPTIONS = { prune: false, marker: 'junction-cli' };

function file(name: string, text: string): RecipeFile {
  const parsed = parseRecipeFile(name, text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.recipe;
}

const SYNC = `name: sync
state: started
trigger: { type: manual }
steps:
  - id: push
    action: http.request
    connection: crm
    input: { url: "https://crm.example" }
`;

// as the API keeps it: the connection by id, keys in the database's order
const stored = (overrides: Partial<RemoteRecipe> = {}): RemoteRecipe => ({
  id: 'rcp_01JF8Z5Q3V7X9B2C4D6E8G0H2M',
  name: 'sync',
  version: 1,
  state: 'running',
  activeVersion: 1,
  managedBy: 'junction-cli',
  definition: { name: 'sync', steps: [{ id: 'push', input: { url: 'https://crm.example' }, action: 'http.request', connection: CRM.id }], trigger: { type: 'manual' } },
  ...overrides,
});

describe('plan: files against the workspace', () => {
  it('creates a missing recipe, then starts it when declared started, sending connection ids', () => {
    const plan = computePlan([file('sync.yaml', SYNC)], [], [CRM], OPTIONS);
    expect(plan.hasChanges).toBe(true);
    expect(plan.items[0]).toEqual(expect.objectContaining({ name: 'sync', changes: ['create', 'start'] }));
    expect((plan.items[0].body?.['steps'] as { connection: string }[])[0].connection).toBe(CRM.id);
    expect(plan.items[0].diff).toContain('+ name: sync');
  });

  it('sees no change when only key order and connection id-vs-name differ', () => {
    const plan = computePlan([file('sync.yaml', SYNC)], [stored()], [CRM], OPTIONS);
    expect(plan.hasChanges).toBe(false);
    expect(plan.items[0].changes).toEqual([]);
  });

  it('plans a new version (and a restart of a running recipe) with a readable diff of exactly the change', () => {
    const edited = SYNC.replace('https://crm.example', 'https://crm.example/v2');
    const plan = computePlan([file('sync.yaml', edited)], [stored()], [CRM], OPTIONS);
    expect(plan.items[0].changes).toEqual(['new version', 'start']);
    expect(plan.items[0].diff.filter((l) => l.startsWith('-') || l.startsWith('+'))).toEqual(['-       url: https://crm.example', '+       url: https://crm.example/v2']);
  });

  it('applies the declared state: start a stopped one, stop a running one, restart one running an old version', () => {
    expect(computePlan([file('s.yaml', SYNC)], [stored({ state: 'stopped' })], [CRM], OPTIONS).items[0].changes).toEqual(['start']);
    expect(computePlan([file('s.yaml', SYNC.replace('started', 'stopped'))], [stored()], [CRM], OPTIONS).items[0].changes).toEqual(['stop']);
    expect(computePlan([file('s.yaml', SYNC)], [stored({ version: 2 })], [CRM], OPTIONS).items[0].changes).toEqual(['start']);
    expect(computePlan([file('s.yaml', SYNC.replace('state: started\n', ''))], [stored({ state: 'stopped' })], [CRM], OPTIONS).hasChanges).toBe(false);
  });

  it('refuses a file naming a connection the workspace does not have, at its line and column', () => {
    expect(() => computePlan([file('sync.yaml', SYNC)], [], [], OPTIONS)).toThrow('sync.yaml:7:17: /steps/0/connection no connection named "crm" in this workspace');
  });

  it('prunes only running recipes carrying the marker whose file is gone', () => {
    const mine = stored({ id: 'rcp_01JF8Z5Q3V7X9B2C4D6E8G0H3A', name: 'old' });
    const console = stored({ id: 'rcp_01JF8Z5Q3V7X9B2C4D6E8G0H3B', name: 'made in the console', managedBy: undefined });
    const stopped = stored({ id: 'rcp_01JF8Z5Q3V7X9B2C4D6E8G0H3C', name: 'old stopped', state: 'stopped' });
    const remote = [stored(), mine, console, stopped];
    expect(computePlan([file('sync.yaml', SYNC)], remote, [CRM], OPTIONS).hasChanges).toBe(false);
    const pruned = computePlan([file('sync.yaml', SYNC)], remote, [CRM], { ...OPTIONS, prune: true });
    expect(pruned.items.filter((i) => i.changes.length > 0).map((i) => [i.name, i.changes])).toEqual([['old', ['stop']]]);
  });

  it('exports a recipe to a file that plans unchanged (round trip)', () => {
    const text = exportRecipe(stored(), [CRM]);
    expect(text).toContain('connection: crm');
    expect(text.indexOf('name: sync')).toBe(0);
    const plan = computePlan([file('sync.yaml', text)], [stored()], [CRM], OPTIONS);
    expect(plan.hasChanges).toBe(false);
  });
});
