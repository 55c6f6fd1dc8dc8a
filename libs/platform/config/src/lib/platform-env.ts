import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';

// host: a name, IPv4 or [IPv6], and a port
const HOST = String.raw`(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?`;
// NATS credentials never ride in the URL (the client would ignore them, and logs name servers)
const NATS_URLS = new RegExp(String.raw`^(?:nats|tls)://${HOST}/?(?:\s*,\s*(?:nats|tls)://${HOST}/?)*$`, 'i');
const REDIS_URL_RE = new RegExp(String.raw`^rediss?://(?:[^\s@/,]+@)?${HOST}(?:/\d{1,2})?(?:\?[^\s]*)?$`);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Variables every service reads. Defaults point at the local Postgres, Redis and NATS so a
 * laptop needs no settings; production sets them all.
 */
export class PlatformEnv {
  /** HTTP port for /health (and the public API on the gateway). 0 picks a free port. */
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 0;

  /**
   * Internal port of `GET /metrics` (Prometheus), apart from the public one; each service has its own
   * default (9460-9465), standalone mode one endpoint for the process (9460). 0 picks a free port.
   */
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT = 0;

  @IsString()
  @IsOptional()
  HOST = '0.0.0.0';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  /** One log line per HTTP request. */
  @IsBoolean()
  HTTP_ACCESS_LOG = true;

  /** Postgres server URL; the service uses its own database on it (see DATABASE_NAME). */
  @Matches(/^postgres(ql)?:\/\/[^\s]+$/, { message: 'must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

  /** Overrides the service's database name (default `junction_<service>`). */
  @IsOptional()
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'must be a lower-case SQL identifier' })
  DATABASE_NAME: string | undefined = undefined;

  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  /** How long a pooled Postgres connection may sit idle before it is closed, ms (node-postgres' default). */
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  DATABASE_POOL_IDLE_MS = 10_000;

  /** Comma-separated servers; `tls://` requires TLS, `nats://` upgrades when the server asks for it. */
  @Matches(NATS_URLS, { message: 'must be nats://host:port or tls://host:port URLs, comma-separated, without credentials (see NATS_USER)' })
  NATS_URL = 'nats://127.0.0.1:4222';

  /**
   * This service's NATS identity (see tools/scripts/service-auth.ts): a user and password, an
   * NKEY seed, or a `.creds` file — at most one. Unset: an auth-less server (a laptop).
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1-64 letters, digits, _ . -' })
  NATS_USER: string | undefined = undefined;

  @IsOptional()
  @IsString()
  @MinLength(8, { message: 'must be at least 8 characters' })
  NATS_PASSWORD: string | undefined = undefined;

  @IsOptional()
  @Matches(/^SU[A-Z2-7]{56}$/, { message: 'must be an NKEY user seed (SU…, 58 characters)' })
  NATS_NKEY_SEED: string | undefined = undefined;

  /** Path of a `.creds` file, for a server in operator (JWT) mode. */
  @IsOptional()
  @IsString()
  NATS_CREDS: string | undefined = undefined;

  /** PEM CA bundle of the NATS servers' certificates; client certificate and key for mTLS. */
  @IsOptional()
  @IsString()
  NATS_TLS_CA: string | undefined = undefined;

  @IsOptional()
  @IsString()
  NATS_TLS_CERT: string | undefined = undefined;

  @IsOptional()
  @IsString()
  NATS_TLS_KEY: string | undefined = undefined;

  /** `redis://` or `rediss://` (TLS); may carry `user:password@`, or see REDIS_USERNAME/REDIS_PASSWORD. */
  @Matches(REDIS_URL_RE, { message: 'must be a redis://host:port or rediss://host:port URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** This service's Redis ACL user (tools/scripts/service-auth.ts); overrides one in REDIS_URL. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1-64 letters, digits, _ . -' })
  REDIS_USERNAME: string | undefined = undefined;

  @IsOptional()
  @IsString()
  @MinLength(8, { message: 'must be at least 8 characters' })
  REDIS_PASSWORD: string | undefined = undefined;

  /** PEM CA bundle of the Redis server's certificate (with `rediss://`). */
  @IsOptional()
  @IsString()
  REDIS_TLS_CA: string | undefined = undefined;

  /**
   * Prefix of every NATS subject, JetStream stream and consumer, Redis key and default database
   * name, so that several deployments (or test runs) share one set of servers without meeting.
   */
  @Matches(/^[a-z][a-z0-9_]{0,30}$/, { message: 'must be lower-case letters, digits and _' })
  JUNCTION_NAMESPACE = 'junction';

  /** Largest JSON request body accepted, bytes. */
  @IsInt()
  @Min(1024)
  @Max(256 * 1024 * 1024)
  BODY_LIMIT_BYTES = 1024 * 1024;

  /**
   * NATS message bodies above this size are stored once in JetStream's object store and passed
   * by reference (claim check), bytes. Must stay well under the server's max_payload (1 MiB).
   */
  @IsInt()
  @Min(1024)
  @Max(768 * 1024)
  NATS_CLAIM_THRESHOLD_BYTES = 256 * 1024;

  /** JetStream replicas of the streams this service creates: 1 on a laptop, 3 in production. */
  @IsIn([1, 3, 5])
  NATS_STREAM_REPLICAS = 1;

  /** Default deadline for service-to-service requests, ms. */
  @IsInt()
  @Min(50)
  @Max(120000)
  REQUEST_TIMEOUT_MS = 5000;
}
