import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { MisfirePolicyName, ScheduleKind } from '@junction/scheduler/contracts';

/** A recipe's schedule: one per `(workspace_id, recipe_id)`. */
@Entity('schedules')
export class ScheduleRow {
  @PrimaryColumn('text')
  id: string;

  @Column('text')
  workspaceId: string;

  @Column('text')
  recipeId: string;

  @Column('text')
  kind: ScheduleKind;

  @Column('text', { nullable: true })
  cronExpression: string | null;

  @Column('text', { nullable: true })
  timezone: string | null;

  /** ms; bigint in SQL, parsed to number (at most a year, far below 2^53). */
  @Column('bigint', { nullable: true, transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) } })
  intervalMs: number | null;

  /** Interval ticks fall on `interval_anchor + k · interval_ms`. */
  @Column('timestamptz', { nullable: true })
  intervalAnchor: Date | null;

  @Column('text')
  misfirePolicy: MisfirePolicyName;

  @Column('int', { nullable: true })
  maxCatchUp: number | null;

  @Column('boolean')
  enabled: boolean;

  /** The oldest tick not fired yet; null when disabled or the expression has no future tick. */
  @Column('timestamptz', { nullable: true })
  nextFireAt: Date | null;

  @Column('timestamptz', { nullable: true })
  lastFiredAt: Date | null;

  /** When ticks were last skipped or caught up after downtime. */
  @Column('timestamptz', { nullable: true })
  lastMisfireAt: Date | null;

  @Column('int', { nullable: true })
  lastMisfireSkipped: number | null;

  @Column('int', { nullable: true })
  lastMisfireCaughtUp: number | null;

  @Column('text', { nullable: true })
  connectorKey: string | null;

  @Column('text', { nullable: true })
  triggerKey: string | null;

  @Column('text', { nullable: true })
  connectionId: string | null;

  @Column('jsonb', { nullable: true })
  triggerInput: Record<string, unknown> | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
