import { IsNull, Not, type DataSource, type Repository } from 'typeorm';
import { SigningKeyEntity, UserEntity } from './entities';

export class UserRepository {
  private readonly users: Repository<UserEntity>;
  private readonly keys: Repository<SigningKeyEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.users = dataSource.getRepository(UserEntity);
    this.keys = dataSource.getRepository(SigningKeyEntity);
  }

  async insert(user: UserEntity): Promise<void> {
    await this.users.insert(user);
  }

  /** By login name, whatever the workspace: this is how a login finds its tenant. */
  findByEmail(email: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ email: email.toLowerCase() });
  }

  /**
   * What decides whether a session token still works: the user's current epoch (undefined when
   * the user is gone) and whether this token was logged out.
   */
  async sessionState(userId: string, jti: string): Promise<{ epoch: number; revoked: boolean; disabled: boolean } | undefined> {
    const rows = (await this.dataSource.query(
      'SELECT u.session_epoch, u.disabled_at IS NOT NULL AS disabled, EXISTS (SELECT 1 FROM revoked_sessions r WHERE r.jti = $2) AS revoked FROM users u WHERE u.id = $1',
      [userId, jti],
    )) as { session_epoch: number; disabled: boolean; revoked: boolean }[];
    return rows[0] ? { epoch: rows[0].session_epoch, revoked: rows[0].revoked, disabled: rows[0].disabled } : undefined;
  }

  /** A user of the workspace by id. */
  findInWorkspace(workspaceId: string, id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ workspaceId, id });
  }

  /** New password hash, and every session of the user revoked with it (one statement). */
  async changePassword(workspaceId: string, userId: string, passwordHash: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      'WITH moved AS (UPDATE users SET password_hash = $3, session_epoch = session_epoch + 1 WHERE id = $1 AND workspace_id = $2 RETURNING 1) SELECT 1 FROM moved',
      [userId, workspaceId, passwordHash],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Disables (revoking every session) or enables the user; false when the user is not in the workspace. */
  async setDisabled(workspaceId: string, userId: string, disabled: boolean, at: Date): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `WITH moved AS (
         UPDATE users SET disabled_at = CASE WHEN $3 THEN coalesce(disabled_at, $4) ELSE NULL END,
                          session_epoch = session_epoch + CASE WHEN $3 THEN 1 ELSE 0 END
         WHERE id = $1 AND workspace_id = $2 RETURNING 1)
       SELECT 1 FROM moved`,
      [userId, workspaceId, disabled, at],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Deny-lists one token until it expires; entries of tokens expired for a minute are pruned on the way. */
  async revokeSession(entry: { jti: string; userId: string; workspaceId: string; expiresAt: Date; revokedAt: Date }): Promise<void> {
    await this.dataSource.query(`DELETE FROM revoked_sessions WHERE expires_at < $1::timestamptz - interval '1 minute'`, [entry.revokedAt]);
    await this.dataSource.query('INSERT INTO revoked_sessions (jti, user_id, workspace_id, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (jti) DO NOTHING', [
      entry.jti,
      entry.userId,
      entry.workspaceId,
      entry.expiresAt,
      entry.revokedAt,
    ]);
  }

  /** Moves the user's session epoch on; false when the user is not in the workspace. */
  async bumpSessionEpoch(workspaceId: string, userId: string): Promise<boolean> {
    // as a SELECT, so the driver answers the returned rows (for an UPDATE it answers [rows, count])
    const rows = (await this.dataSource.query(
      'WITH moved AS (UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1 AND workspace_id = $2 RETURNING 1) SELECT 1 FROM moved',
      [userId, workspaceId],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Signing keys still published, newest first. */
  activeSigningKeys(): Promise<SigningKeyEntity[]> {
    return this.keys.find({ where: { retiredAt: IsNull() }, order: { createdAt: 'DESC' } });
  }

  /** Signing keys whose private key is sealed under another master key than `keyId`. */
  signingKeysNotUnder(keyId: string): Promise<SigningKeyEntity[]> {
    return this.keys.find({ where: { masterKeyId: Not(keyId) }, order: { kid: 'ASC' } });
  }

  /** Same conditional swap as for connections: only if the row still holds what was re-wrapped. */
  async swapSigningWrappedKey(row: SigningKeyEntity, wrappedKey: Buffer, masterKeyId: string): Promise<boolean> {
    const result = await this.keys
      .createQueryBuilder()
      .update(SigningKeyEntity)
      .set({ wrappedKey, masterKeyId })
      .where('kid = :kid AND master_key_id = :old AND wrapped_key = :oldWrapped', { kid: row.kid, old: row.masterKeyId, oldWrapped: row.wrappedKey })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async insertSigningKey(key: SigningKeyEntity): Promise<void> {
    await this.keys.save(key);
  }
}
