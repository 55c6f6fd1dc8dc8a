import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Recipes as code (issue #15). A recipe's name is unique in its workspace among recipes not
 * deleted (recipes in git are applied by name). Existing duplicates are renamed first, the oldest
 * (lowest id) keeping its name: the 2nd gets " (2)", the 3rd " (3)"…, or " (<id>)" where that
 * name is taken too. `managed_by` marks recipes a tool such as the CLI applied, so its prune
 * never touches one made in the console or API.
 */
export class RecipeNames1765400000000 implements MigrationInterface {
  name = 'RecipeNames1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      WITH ranked AS (
        SELECT id, name, row_number() OVER (PARTITION BY workspace_id, name ORDER BY id) AS n FROM recipes WHERE deleted_at IS NULL
      )
      UPDATE recipes r
         SET name = CASE
               WHEN EXISTS (SELECT 1 FROM recipes o WHERE o.workspace_id = r.workspace_id AND o.deleted_at IS NULL AND o.name = ranked.name || ' (' || ranked.n || ')')
               THEN ranked.name || ' (' || r.id || ')'
               ELSE ranked.name || ' (' || ranked.n || ')'
             END
        FROM ranked
       WHERE ranked.id = r.id AND ranked.n > 1`);
    await q.query(`CREATE UNIQUE INDEX recipes_workspace_name ON recipes (workspace_id, name) WHERE deleted_at IS NULL`);
    await q.query(`ALTER TABLE recipes ADD COLUMN managed_by text`);
    await q.query(`CREATE INDEX recipes_workspace_managed_by ON recipes (workspace_id, managed_by, id DESC) WHERE deleted_at IS NULL AND managed_by IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX recipes_workspace_managed_by`);
    await q.query(`ALTER TABLE recipes DROP COLUMN managed_by`);
    await q.query(`DROP INDEX recipes_workspace_name`);
  }
}
