import { formatFileError, parseRecipeFile, pointerSegments } from './recipe-file';
import { checkRecipeText } from './validate-files';

const YAML = `# orders
$schema: ../schemas/recipe.schema.json
name: orders to crm
state: started
trigger:
  type: webhook
steps:
  - id: check
    if: "{{ trigger.body.total > 100 }}"
    then:
      - id: push
        action: http.request
        connection: crm
        input:
          url: https://crm.example/orders
`;

describe('recipe files: YAML to recipe, with source positions', () => {
  it('takes the recipe out of the file and keeps the declared state apart', () => {
    const parsed = parseRecipeFile('orders.yaml', YAML);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(parsed.recipe.state).toBe('started');
    expect(Object.keys(parsed.recipe.definition)).toEqual(['name', 'trigger', 'steps']);
    expect(parsed.recipe.definition['steps']).toEqual([
      { id: 'check', if: '{{ trigger.body.total > 100 }}', then: [{ id: 'push', action: 'http.request', connection: 'crm', input: { url: 'https://crm.example/orders' } }] },
    ]);
  });

  it('maps a JSON pointer to the line and column of the value, or of the key when asked', () => {
    const parsed = parseRecipeFile('orders.yaml', YAML);
    if (!parsed.ok) throw new Error('parse failed');
    expect(parsed.recipe.positionOf('/steps/0/then/0/connection')).toEqual({ line: 13, column: 21 });
    expect(parsed.recipe.positionOf('/steps/0/then/0/connection', true)).toEqual({ line: 13, column: 9 });
    expect(parsed.recipe.positionOf('/steps/0/then/0/input')).toEqual({ line: 14, column: 9 });
    expect(parsed.recipe.positionOf('/steps/0')).toEqual({ line: 8, column: 5 });
    expect(parsed.recipe.positionOf('/name')).toEqual({ line: 3, column: 7 });
  });

  it('reports a missing field on the object that lacks it', () => {
    const parsed = parseRecipeFile('orders.yaml', YAML);
    if (!parsed.ok) throw new Error('parse failed');
    expect(parsed.recipe.positionOf('/steps/0/then/0/retry/maxAttempts')).toEqual({ line: 11, column: 9 });
    expect(parsed.recipe.positionOf('/steps/7')).toEqual({ line: 7, column: 1 });
  });

  it('gives the same positions for JSON files (JSON is YAML)', () => {
    const json = '{\n  "name": "j",\n  "trigger": { "type": "manual" },\n  "steps": [\n    { "id": "x", "set": { "a": 1 } }\n  ]\n}\n';
    const parsed = parseRecipeFile('j.json', json);
    if (!parsed.ok) throw new Error('parse failed');
    expect(parsed.recipe.state).toBeUndefined();
    expect(parsed.recipe.positionOf('/steps/0/set')).toEqual({ line: 5, column: 18 });
    expect(parsed.recipe.positionOf('/trigger/type')).toEqual({ line: 3, column: 24 });
  });

  it('reports YAML syntax errors and a bad state at their place', () => {
    const broken = parseRecipeFile('b.yaml', 'name: x\ntrigger: [\n');
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.errors[0]).toEqual(expect.objectContaining({ file: 'b.yaml', line: 3, column: 1 }));
    const duplicate = parseRecipeFile('d.yaml', 'name: x\nname: y\n');
    if (!duplicate.ok) expect(duplicate.errors[0]).toEqual(expect.objectContaining({ line: 2, column: 1, message: expect.stringContaining('unique') }));
    else throw new Error('a duplicate key must not parse');
    const state = parseRecipeFile('s.yaml', 'name: x\nstate: running\ntrigger: { type: manual }\nsteps: []\n');
    expect(state).toEqual({ ok: false, errors: [{ file: 's.yaml', line: 2, column: 8, message: 'state must be "started" or "stopped"' }] });
  });

  it('validates with the engine and prints file:line:column for each error', async () => {
    const text = 'name: bad\ntrigger:\n  type: manual\nsteps:\n  - id: Shout\n    set: { a: 1 }\n  - id: wait\n    delay: soon\n    colour: red\n';
    const check = await checkRecipeText('bad.yaml', text);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.errors.map(formatFileError)).toEqual([
      'bad.yaml:5:9: /steps/0/id must match pattern "^[a-z][a-z0-9_]*$"',
      'bad.yaml:8:12: /steps/1/delay must be a duration such as "15m", a {{ }} template, { "duration": … } or { "until": … }',
      'bad.yaml:9:5: /steps/1/colour is not allowed here',
    ]);
  });

  it('accepts a valid file, connections written by name', async () => {
    expect((await checkRecipeText('orders.yaml', YAML)).ok).toBe(true);
  });

  it('unescapes JSON pointer segments', () => {
    expect(pointerSegments('/a~1b/c~0d/0')).toEqual(['a/b', 'c~d', '0']);
    expect(pointerSegments('')).toEqual([]);
  });
});
