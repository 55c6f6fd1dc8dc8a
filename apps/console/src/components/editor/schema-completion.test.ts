import { describe, expect, it } from 'vitest';
import { cursorPlace, schemaOptions } from './schema-completion';
import type { DefinitionFormat } from './definition-text';

/** The choices offered where `|` stands in the text. */
function offered(textWithCursor: string, format: DefinitionFormat): string[] {
  const pos = textWithCursor.indexOf('|');
  const place = cursorPlace(textWithCursor.replace('|', ''), pos, format);
  return place ? schemaOptions(place, format).map((o) => o.displayLabel) : [];
}

describe('completion from the recipe schema', () => {
  it('offers the top-level keys not yet written, in JSON and in YAML', () => {
    expect(offered('{\n  "name": "a",\n  "|"\n}', 'json')).toEqual(['description', 'trigger', 'steps', 'settings']);
    expect(offered('name: a\n|', 'yaml')).toEqual(['description', 'trigger', 'steps', 'settings']);
  });

  it('offers the trigger types as values, whichever type is typed so far', () => {
    const types = ['webhook', 'schedule', 'poll', 'manual'];
    expect(offered('{"name": "a", "trigger": {"type": "|"}}', 'json')).toEqual(types);
    expect(offered('name: a\ntrigger:\n  type: we|\n', 'yaml')).toEqual(types);
  });

  it("offers a trigger's keys by its type", () => {
    expect(offered('trigger:\n  type: schedule\n  |\n', 'yaml')).toEqual(['cron', 'timezone', 'misfire']);
    expect(offered('trigger:\n  type: schedule\n  misfire:\n    policy: |\n', 'yaml')).toEqual(['skip', 'catchUp']);
  });

  it('offers the step kinds on a step that has none yet, and only that kind’s keys once it has one', () => {
    const kinds = offered('steps:\n  - id: a\n    |\n', 'yaml');
    expect(kinds).toEqual(expect.arrayContaining(['action', 'set', 'if', 'forEach', 'try', 'delay']));
    expect(kinds).not.toContain('id');
    expect(offered('{"steps": [{"id": "a", "action": "http.request", "|": 1}]}', 'json')).toEqual(['name', 'connection', 'input', 'retry', 'timeout']);
    expect(offered('steps:\n  - id: a\n    set: { b: 1 }\n    |\n', 'yaml')).toEqual(['name']);
  });

  it('applies a JSON key with its quotes and colon, a YAML key with its colon, a value as the format writes it', () => {
    const json = cursorPlace('{"tr"}', 3, 'json');
    expect(json && schemaOptions(json, 'json').find((o) => o.displayLabel === 'trigger')).toMatchObject({ label: '"trigger"', apply: '"trigger": ' });
    const yaml = cursorPlace('trigger:\n  type: ', 17, 'yaml');
    expect(yaml && schemaOptions(yaml, 'yaml').map((o) => o.apply)).toEqual(['webhook', 'schedule', 'poll', 'manual']);
    expect(json).toMatchObject({ kind: 'key', from: 1, to: 5 });
  });

  it('offers nothing where no key or value is expected', () => {
    expect(offered('# a comment |', 'yaml')).toEqual([]);
    expect(offered('{"name": "a" |}', 'json')).toEqual([]);
  });
});
