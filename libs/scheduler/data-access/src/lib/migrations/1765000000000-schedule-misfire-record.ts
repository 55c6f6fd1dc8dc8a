import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The last misfire of a schedule (ticks skipped or caught up after downtime), shown on the recipe. */
export class ScheduleMisfireRecord1765000000000 implements MigrationInterface {
  name = 'ScheduleMisfireRecord1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE schedules
        ADD COLUMN last_misfire_at        timestamptz,
        ADD COLUMN last_misfire_skipped   int,
        ADD COLUMN last_misfire_caught_up int
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE schedules DROP COLUMN last_misfire_at, DROP COLUMN last_misfire_skipped, DROP COLUMN last_misfire_caught_up`);
  }
}
