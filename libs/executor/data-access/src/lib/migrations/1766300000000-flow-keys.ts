import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keyed flow control: a job of a recipe with `settings.concurrency: { limit, key }` records the
 * value of its key (`flow_key`) and whether it holds one of that key's slots (`flow_admitted`,
 * granted under an advisory lock per recipe and key by FlowControlRepository.admit). A slot is
 * held while the job is running under a live lease, so a dead worker's slot frees with its lease.
 */
export class FlowKeys1766300000000 implements MigrationInterface {
  name = 'FlowKeys1766300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs ADD COLUMN flow_key text, ADD COLUMN flow_admitted boolean NOT NULL DEFAULT false`);
    await q.query(`CREATE INDEX jobs_flow_slots ON jobs (recipe_id, flow_key) WHERE flow_admitted AND status = 'running'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX jobs_flow_slots`);
    await q.query(`ALTER TABLE jobs DROP COLUMN flow_admitted, DROP COLUMN flow_key`);
  }
}
