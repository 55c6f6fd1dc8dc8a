import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Where a polling trigger resumes, and how long it waits after failing polls. */
@Entity('poll_cursors')
export class PollCursorRow {
  @PrimaryColumn('text')
  scheduleId: string;

  @Column('text')
  workspaceId: string;

  /** The connector's opaque cursor; null before the first successful poll. */
  @Column('jsonb', { nullable: true })
  cursor: Record<string, unknown> | null;

  /** Failed polls in a row; 0 after a success. */
  @Column('int')
  failures: number;

  @Column('timestamptz', { nullable: true })
  backoffUntil: Date | null;

  @Column('text', { nullable: true })
  lastError: string | null;

  @Column('timestamptz', { nullable: true })
  lastPolledAt: Date | null;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
