import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One immutable version of a workspace's declarative connector. */
@Entity({ name: 'custom_connector_version' })
@Index(['workspaceId', 'key', 'version'], { unique: true })
export class CustomConnectorVersion {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  workspaceId: string;

  @Column({ type: 'text' })
  key: string;

  @Column({ type: 'int' })
  version: number;

  @Column({ type: 'jsonb' })
  definition: Record<string, unknown>;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
