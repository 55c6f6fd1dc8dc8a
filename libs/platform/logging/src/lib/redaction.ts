/**
 * Paths pino censors wherever they appear in a log object. Secrets must never be logged in the
 * first place; this is the second wall for the cases a developer forgets.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["junction-root-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.apiKey',
  '*.clientSecret',
  '*.credentials',
];
