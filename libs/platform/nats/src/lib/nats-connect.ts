import { credsAuthenticator, nkeyAuthenticator, type ConnectionOptions } from 'nats';
import { readFileSync } from 'node:fs';

/**
 * How this process authenticates to NATS. At most one of: user + password, an NKEY seed, a
 * `.creds` file (JWT + seed, for servers in operator mode). None: an auth-less server (a laptop).
 */
export interface NatsCredentials {
  user?: string;
  password?: string;
  /** NKEY user seed (`SU…`): the server holds only its public key. */
  nkeySeed?: string;
  /** Path of a `.creds` file (decentralised JWT auth). */
  credsFile?: string;
}

export interface NatsTlsOptions {
  /** PEM CA bundle that signed the server's certificate (default: the system's CAs). */
  caFile?: string;
  /** Client certificate and key for servers that verify clients (mTLS). */
  certFile?: string;
  keyFile?: string;
}

/** `tls://host:port` asks for TLS explicitly; `nats://` upgrades when the server requires it. */
export function parseNatsServers(url: string): { servers: string[]; tlsRequested: boolean } {
  const servers = url
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return { servers, tlsRequested: servers.some((s) => s.toLowerCase().startsWith('tls://')) };
}

/** Connection options for credentials and TLS; throws naming the setting that is inconsistent. */
export function natsSecurityOptions(url: string, credentials: NatsCredentials = {}, tls: NatsTlsOptions = {}): Partial<ConnectionOptions> {
  const options: Partial<ConnectionOptions> = {};
  const kinds = [
    credentials.user || credentials.password ? 'NATS_USER/NATS_PASSWORD' : '',
    credentials.nkeySeed ? 'NATS_NKEY_SEED' : '',
    credentials.credsFile ? 'NATS_CREDS' : '',
  ].filter(Boolean);
  if (kinds.length > 1) throw new Error(`NATS credentials: set only one of ${kinds.join(', ')}`);
  if (credentials.user || credentials.password) {
    if (!credentials.user || !credentials.password) throw new Error('NATS credentials: NATS_USER and NATS_PASSWORD go together');
    options.user = credentials.user;
    options.pass = credentials.password;
  } else if (credentials.nkeySeed) {
    options.authenticator = nkeyAuthenticator(new TextEncoder().encode(credentials.nkeySeed.trim()));
  } else if (credentials.credsFile) {
    options.authenticator = credsAuthenticator(new Uint8Array(readFileSync(credentials.credsFile)));
  }
  const { tlsRequested } = parseNatsServers(url);
  if (tlsRequested || tls.caFile || tls.certFile || tls.keyFile) {
    if (Boolean(tls.certFile) !== Boolean(tls.keyFile)) throw new Error('NATS TLS: NATS_TLS_CERT and NATS_TLS_KEY go together');
    // an object (even empty) makes the client refuse a server that does not offer TLS
    options.tls = {
      ...(tls.caFile ? { caFile: tls.caFile } : {}),
      ...(tls.certFile ? { certFile: tls.certFile, keyFile: tls.keyFile } : {}),
    };
  }
  return options;
}
