/** The part of the gateway's environment the limits read (validated by the gateway's env class). */
export interface RateLimitEnv {
  /** Requests per window for one API key or one user session. */
  API_RATE_LIMIT_PER_KEY?: number;
  /** Requests per window for all keys and users of one workspace together. */
  API_RATE_LIMIT_PER_WORKSPACE?: number;
  API_RATE_LIMIT_WINDOW_SEC?: number;
  /** Login attempts per window for one account (email), failures only: a success gives its attempt back. */
  LOGIN_ATTEMPTS_PER_ACCOUNT?: number;
  /** Login attempts per window from one client address (an IPv6 /64), failures only. */
  LOGIN_ATTEMPTS_PER_ADDRESS?: number;
  LOGIN_WINDOW_SEC?: number;
}

export const RATE_LIMIT_DEFAULTS = {
  API_RATE_LIMIT_PER_KEY: 6000,
  API_RATE_LIMIT_PER_WORKSPACE: 12_000,
  API_RATE_LIMIT_WINDOW_SEC: 60,
  LOGIN_ATTEMPTS_PER_ACCOUNT: 10,
  LOGIN_ATTEMPTS_PER_ADDRESS: 30,
  LOGIN_WINDOW_SEC: 900,
} as const satisfies Required<RateLimitEnv>;
