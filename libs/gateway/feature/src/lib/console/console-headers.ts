/**
 * Security headers of every console response. The build has no inline script or style (Vite
 * emits files), so the policy needs no 'unsafe-inline' and no nonce; the API it calls is this
 * origin. `frame-ancestors 'none'`: no other site may frame the console (clickjacking).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export const CACHE_IMMUTABLE = 'public, max-age=31536000, immutable';
// index.html names the current asset hashes: always revalidated, so a new build shows at once
export const CACHE_REVALIDATE = 'no-cache';
