/**
 * The Content-Security-Policy of the console. The build has no inline script (Vite emits files),
 * so scripts need no 'unsafe-inline' and no nonce; the API it calls is this origin;
 * `frame-ancestors 'none'`: no other site may frame the console (clickjacking). The one inline
 * thing is the code editor's stylesheet (CodeMirror puts its theme in a <style> element): it
 * carries the nonce that index.html's response names, so no other inline style applies.
 */
export function consoleCsp(styleNonce?: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    styleNonce ? `style-src 'self' 'nonce-${styleNonce}'` : "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export const CACHE_IMMUTABLE = 'public, max-age=31536000, immutable';
// index.html names the current asset hashes (and carries a fresh nonce): always revalidated
export const CACHE_REVALIDATE = 'no-cache';

/** index.html with the style nonce in a meta tag, where the app reads it for the editor. */
export function withStyleNonce(html: string, nonce: string): string {
  return html.replace('</head>', `  <meta name="csp-nonce" content="${nonce}" />\n  </head>`);
}
