import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `approvals.cancelled_at`: cancelling a job closes its undecided approvals at once, so they leave
 * the pending list and their links and the API refuse a decision that would resume nothing.
 */
export class ApprovalCancelled1767200000000 implements MigrationInterface {
  name = 'ApprovalCancelled1767200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE approvals ADD COLUMN cancelled_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE approvals DROP COLUMN cancelled_at`);
  }
}
