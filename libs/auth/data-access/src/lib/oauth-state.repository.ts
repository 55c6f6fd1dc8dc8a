import { LessThan, type DataSource, type Repository } from 'typeorm';
import { OAuthStateEntity } from './entities';

export class OAuthStateRepository {
  private readonly rows: Repository<OAuthStateEntity>;

  constructor(dataSource: DataSource) {
    this.rows = dataSource.getRepository(OAuthStateEntity);
  }

  async insert(row: OAuthStateEntity): Promise<void> {
    await this.rows.insert(row);
  }

  /**
   * Takes the state out (single use, even under concurrent callbacks): the DELETE returns the
   * row to one caller only. An expired state is removed and reported as absent.
   */
  async consume(stateHash: Buffer, now: Date): Promise<OAuthStateEntity | undefined> {
    const result = await this.rows.createQueryBuilder().delete().from(OAuthStateEntity).where('state_hash = :h', { h: stateHash }).returning('*').execute();
    const raw = (result.raw as Record<string, unknown>[])[0];
    if (!raw) return undefined;
    const row = this.rows.create({
      stateHash: raw.state_hash as Buffer,
      workspaceId: raw.workspace_id as string,
      connectionId: raw.connection_id as string,
      callerId: raw.caller_id as string,
      redirectUri: raw.redirect_uri as string,
      codeVerifier: raw.code_verifier as string,
      expiresAt: new Date(raw.expires_at as string),
      createdAt: new Date(raw.created_at as string),
    });
    return row.expiresAt.getTime() > now.getTime() ? row : undefined;
  }

  async purgeExpired(now: Date): Promise<void> {
    await this.rows.delete({ expiresAt: LessThan(now) });
  }
}
