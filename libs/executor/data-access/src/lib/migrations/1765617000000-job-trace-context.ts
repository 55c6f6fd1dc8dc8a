import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The W3C trace context of the event that made each job (`traceparent`): the job's work, driven
 * later by any replica and re-driven after a crash, continues that trace. Jobs made before this
 * have none and start a trace of their own.
 */
export class JobTraceContext1765617000000 implements MigrationInterface {
  name = 'JobTraceContext1765617000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs ADD COLUMN traceparent text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs DROP COLUMN traceparent`);
  }
}
