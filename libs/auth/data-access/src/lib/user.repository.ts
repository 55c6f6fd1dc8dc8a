import { IsNull, Not, type DataSource, type Repository } from 'typeorm';
import { SigningKeyEntity, UserEntity } from './entities';

export class UserRepository {
  private readonly users: Repository<UserEntity>;
  private readonly keys: Repository<SigningKeyEntity>;

  constructor(dataSource: DataSource) {
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
