import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `http.request`'s input changed shape (issue #16.7): `body` used to be a wrapper
 * (`{ json }`, `{ form }` or `{ text, contentType }`) and is now the JSON to send, with `form`,
 * `text` and `contentType` as sibling fields. Every row written before this migration used the
 * old shape, so each is rewritten to the new one that sends the same bytes:
 * - recipe versions: every `http.request` step, wherever it is nested (a `body` that is one
 *   `{{ expr }}` template becomes one template per field, each undefined unless the wrapper had it);
 * - queued and running jobs: the input of a pending call, rendered once at its first attempt and
 *   re-sent by retries (a rerun renders anew from the version);
 * - recorded step inputs (`job_steps`), so comparing a step's input with its record stays exact.
 * Not reversible: `down` leaves the rows in the new shape.
 */
export class HttpRequestBody1766200000000 implements MigrationInterface {
  name = 'HttpRequestBody1766200000000';

  async up(q: QueryRunner): Promise<void> {
    const versions = (await q.query(`SELECT recipe_id, version, definition FROM recipe_versions WHERE definition::text LIKE '%"http.request"%'`)) as {
      recipe_id: string;
      version: number;
      definition: unknown;
    }[];
    for (const row of versions) {
      const steps = new Set<string>();
      const definition = rewriteDefinition(row.definition, steps);
      if (steps.size === 0) continue;
      await q.query(`UPDATE recipe_versions SET definition = $3 WHERE recipe_id = $1 AND version = $2`, [row.recipe_id, row.version, JSON.stringify(definition)]);
      await this.rewriteJobs(q, row.recipe_id, row.version, [...steps]);
    }
  }

  private async rewriteJobs(q: QueryRunner, recipeId: string, version: number, steps: string[]): Promise<void> {
    const jobs = (await q.query(`SELECT id, state FROM jobs WHERE recipe_id = $1 AND recipe_version = $2 AND status IN ('queued', 'running') AND state::text LIKE '%"invoke"%'`, [
      recipeId,
      version,
    ])) as { id: string; state: unknown }[];
    for (const job of jobs) {
      let changed = false;
      const state = mapObjects(job.state, (o) => {
        if (o['kind'] !== 'invoke' || !steps.includes(String(o['stepId'])) || !isObject(o['input'])) return o;
        const input = renderedInput(o['input']);
        if (input === o['input']) return o;
        changed = true;
        return { ...o, input };
      });
      if (changed) await q.query(`UPDATE jobs SET state = $2 WHERE id = $1`, [job.id, JSON.stringify(state)]);
    }
    // the recorded inputs, in SQL: there may be many
    await q.query(
      `UPDATE job_steps s
          SET input = CASE
                WHEN s.input->'body' ? 'json' THEN jsonb_set(s.input, '{body}', s.input->'body'->'json')
                WHEN s.input->'body' ? 'form' THEN (s.input - 'body') || jsonb_build_object('form', s.input->'body'->'form')
                ELSE (s.input - 'body') || jsonb_build_object('text', s.input->'body'->'text')
                     || CASE WHEN s.input->'body' ? 'contentType' THEN jsonb_build_object('contentType', s.input->'body'->'contentType') ELSE '{}'::jsonb END
              END
         FROM jobs j
        WHERE j.id = s.job_id AND j.recipe_id = $1 AND j.recipe_version = $2 AND s.step_id = ANY($3)
          AND jsonb_typeof(s.input) = 'object' AND jsonb_typeof(s.input->'body') = 'object'
          AND (SELECT count(*) FROM jsonb_object_keys(s.input->'body')) = 1 + (CASE WHEN s.input->'body' ? 'contentType' THEN 1 ELSE 0 END)
          AND (s.input->'body' ? 'json' OR s.input->'body' ? 'form' OR s.input->'body' ? 'text')`,
      [recipeId, version, steps],
    );
  }

  async down(): Promise<void> {
    // the old shape cannot tell `{ text }` as JSON from `{ text }` as text/plain: nothing to undo
  }
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Applies `fn` to every object in `value`, children first. */
function mapObjects(value: unknown, fn: (o: Json) => Json): unknown {
  if (Array.isArray(value)) return value.map((v) => mapObjects(v, fn));
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) out[k] = mapObjects(v, fn);
  return fn(out);
}

/** The definition with every `http.request` step's input in the new shape; the ids of the steps changed go to `changed`. */
export function rewriteDefinition(definition: unknown, changed: Set<string>): unknown {
  return mapObjects(definition, (o) => {
    if (o['action'] !== 'http.request' || !isObject(o['input'])) return o;
    const input = definitionInput(o['input']);
    if (input === o['input']) return o;
    changed.add(String(o['id']));
    return { ...o, input };
  });
}

/** A rendered old-shape input (`body: { json | form | text }`) in the new shape; anything else as it was. */
export function renderedInput(input: Json): Json {
  const body = input['body'];
  if (!isObject(body)) return input;
  const keys = Object.keys(body);
  const { body: _old, ...rest } = input;
  if (keys.length === 1 && keys[0] === 'json') return { ...rest, body: body['json'] };
  if (keys.length === 1 && keys[0] === 'form') return { ...rest, form: body['form'] };
  if ('text' in body && keys.every((k) => k === 'text' || k === 'contentType')) return { ...rest, ...body };
  return input;
}

const SINGLE_TEMPLATE = /^\s*\{\{([\s\S]*)\}\}\s*$/;

/** An input as written in a recipe: a wrapper object as for a rendered one, a `{{ expr }}` body as one template per field. */
export function definitionInput(input: Json): Json {
  const body = input['body'];
  const template = typeof body === 'string' ? SINGLE_TEMPLATE.exec(body) : null;
  if (!template || template[1].includes('{{') || template[1].includes('}}')) return renderedInput(input);
  // undefined fields are left out of a rendered object: only the one the wrapper had is sent
  const field = (name: string) => `{{ $lookup((${template[1].trim()}), '${name}') }}`;
  return { ...input, body: field('json'), form: field('form'), text: field('text'), contentType: field('contentType') };
}
