import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A one-shot timer. Fired rows are kept so that creating the same id again stays idempotent. */
@Entity('timers')
export class TimerRow {
  @PrimaryColumn('text')
  workspaceId: string;

  @PrimaryColumn('text')
  id: string;

  @Column('timestamptz')
  dueAt: Date;

  @Column('text')
  target: string;

  @Column('jsonb', { nullable: true })
  payload: Record<string, unknown> | null;

  @Column('timestamptz', { nullable: true })
  firedAt: Date | null;

  /** Which replica fired it: for diagnosis only. */
  @Column('text', { nullable: true })
  firedBy: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
