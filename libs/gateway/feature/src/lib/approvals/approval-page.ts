import type { ApprovalLinkView } from '@junction/executor/contracts';

/** Every character that could open markup or an attribute, as an entity. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`=/]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The page's headers: nothing but its own inline stylesheet (by nonce) may load; no scripts at
 * all; the form may post only here; no framing; the link (a bearer secret) is never sent on as a
 * referrer nor cached.
 */
export function approvalPageHeaders(nonce: string): Record<string, string> {
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1d2433}
main{max-width:34rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002}
h1{font-size:1.3rem;margin-top:0}p.d{white-space:pre-wrap}textarea{width:100%;box-sizing:border-box;min-height:5rem;font:inherit}
button{font:inherit;padding:.6rem 1.4rem;border:0;border-radius:6px;color:#fff;cursor:pointer}
.approve{background:#1f7a3a}.reject{background:#b3261e}.note{color:#5a6272;font-size:.9rem}`;

function page(nonce: string, heading: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(heading)}</title><style nonce="${nonce}">${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

const verb = (d: 'approve' | 'reject') => (d === 'approve' ? 'Approve' : 'Reject');

/** The confirmation page of an open link: what is asked, what this link decides, a comment, one POST button. */
export function confirmationPage(nonce: string, view: ApprovalLinkView): string {
  return page(
    nonce,
    `${verb(view.decision)}: ${view.title}`,
    `<h1>${escapeHtml(view.title)}</h1>
${view.description ? `<p class="d">${escapeHtml(view.description)}</p>` : ''}
<form method="post">
<p><label for="comment">Comment (optional)</label><br><textarea id="comment" name="comment" maxlength="2000"></textarea></p>
<p><button type="submit" class="${view.decision}">${verb(view.decision)}</button></p>
</form>
<p class="note">This link decides once. It expires ${escapeHtml(view.expiresAt)}.</p>`,
  );
}

/** The page after the POST, or for a link that cannot decide (used, expired, invalid). */
export function outcomePage(nonce: string, heading: string, message: string, view?: ApprovalLinkView): string {
  return page(nonce, heading, `<h1>${escapeHtml(heading)}</h1>${view ? `<p><strong>${escapeHtml(view.title)}</strong></p>` : ''}<p>${escapeHtml(message)}</p>`);
}
