import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('workspaces')
export class WorkspaceEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text')
  name: string;

  @Column('timestamptz')
  createdAt: Date;
}

@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text')
  workspaceId: string;

  @Column('text')
  name: string;

  @Column('text')
  role: string;

  /** SHA-256 of the key; the key itself is never stored. */
  @Column('bytea', { unique: true })
  keyHash: Buffer;

  @Column('text')
  prefix: string;

  @Column('timestamptz')
  createdAt: Date;

  @Column('text')
  createdBy: string;

  @Column('timestamptz', { nullable: true })
  expiresAt: Date | null;

  @Column('timestamptz', { nullable: true })
  revokedAt: Date | null;

  @Column('timestamptz', { nullable: true })
  lastUsedAt: Date | null;
}

@Entity('connections')
export class ConnectionEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text')
  workspaceId: string;

  @Column('text')
  name: string;

  @Column('text')
  connector: string;

  @Column('text')
  status: string;

  /** Names of the secret fields (not secret themselves), so responses need no decryption. */
  @Column('text', { array: true })
  secretFields: string[];

  /** AES-256-GCM box of the secret fields (JSON) under this row's data key. */
  @Column('bytea')
  ciphertext: Buffer;

  /** The row's data key, sealed under master key `masterKeyId`. */
  @Column('bytea')
  wrappedKey: Buffer;

  @Column('text')
  masterKeyId: string;

  /** OAuth2 settings (token URL, grant, scopes, redirect URI); null for other auth kinds. */
  @Column('jsonb', { nullable: true })
  oauth: OAuthConfig | null;

  @Column('timestamptz')
  createdAt: Date;

  @Column('timestamptz')
  updatedAt: Date;
}

export interface OAuthConfig {
  grant: 'authorization_code' | 'client_credentials';
  tokenUrl: string;
  authorizationUrl?: string;
  redirectUri?: string;
  scopes?: string[];
}

/** A pending authorization-code flow: single use, short-lived, found by the SHA-256 of its state. */
@Entity('oauth_states')
export class OAuthStateEntity {
  @PrimaryColumn('bytea')
  stateHash: Buffer;

  @Column('text')
  workspaceId: string;

  @Column('text')
  connectionId: string;

  /** The key or user that started the flow. */
  @Column('text')
  callerId: string;

  @Column('text')
  redirectUri: string;

  /** PKCE verifier: useless without the authorization code, which only the redirect target receives. */
  @Column('text')
  codeVerifier: string;

  @Column('timestamptz')
  expiresAt: Date;

  @Column('timestamptz')
  createdAt: Date;
}

@Entity('users')
export class UserEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text')
  workspaceId: string;

  /** Lower-cased; unique across the installation (login names no workspace). */
  @Column('text', { unique: true })
  email: string;

  /** argon2id PHC string. */
  @Column('text')
  passwordHash: string;

  @Column('text')
  role: string;

  @Column('timestamptz')
  createdAt: Date;

  /** Carried by each session token (`sep`); moved on to revoke every token issued before. */
  @Column('integer', { default: 0 })
  sessionEpoch: number;

  /** Set while the user is disabled: no login, and its sessions were revoked when it was set. */
  @Column('timestamptz', { nullable: true })
  disabledAt: Date | null;
}

/** ES256 key pairs signing session tokens; the private key is sealed under the vault's master key. */
@Entity('signing_keys')
export class SigningKeyEntity {
  @PrimaryColumn('text')
  kid: string;

  @Column('jsonb')
  publicJwk: Record<string, unknown>;

  @Column('bytea')
  ciphertext: Buffer;

  @Column('bytea')
  wrappedKey: Buffer;

  @Column('text')
  masterKeyId: string;

  @Column('timestamptz')
  createdAt: Date;

  /** Set when a newer key took over signing; kept in the JWKS until tokens it signed expired. */
  @Column('timestamptz', { nullable: true })
  retiredAt: Date | null;
}
