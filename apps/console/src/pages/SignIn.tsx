import { useState, type FormEvent } from 'react';
import { api, ApiError, describeError } from '../api/client';
import { signIn, type Me } from '../api/session';

/** Sign in with an API key: checked with `GET /v1/me` before it is kept (in sessionStorage only). */
export function SignIn() {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await api<Me>('GET', '/v1/me', undefined, key.trim());
      signIn(key.trim(), me);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 401 ? 'That API key was not accepted: it is unknown, revoked or expired.' : describeError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <h1>Junction</h1>
      <form onSubmit={(e) => void submit(e)} aria-describedby={error ? 'sign-in-error' : undefined}>
        <label htmlFor="api-key">API key</label>
        <input id="api-key" type="password" autoComplete="off" spellCheck={false} required value={key} onChange={(e) => setKey(e.target.value)} />
        <button type="submit" className="primary" disabled={busy || key.trim() === ''}>
          Sign in
        </button>
        {error && (
          <p id="sign-in-error" role="alert" className="error">
            {error}
          </p>
        )}
      </form>
      <p className="muted">The key stays in this tab only and is forgotten when you sign out or close it.</p>
    </main>
  );
}
