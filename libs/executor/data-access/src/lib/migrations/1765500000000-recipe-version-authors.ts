import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who made each recipe version (`{ type, id }` of the API key, user or service that created or
 * replaced the recipe), shown in the versions list. Versions made before this stay without one.
 */
export class RecipeVersionAuthors1765500000000 implements MigrationInterface {
  name = 'RecipeVersionAuthors1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recipe_versions ADD COLUMN created_by jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recipe_versions DROP COLUMN created_by`);
  }
}
