import { useState, type FormEvent } from 'react';
import { api, ApiError, describeError } from '../api/client';
import { signIn, type Me } from '../api/session';

/** Checks a key or session token with `GET /v1/me`, then keeps it (in sessionStorage only). */
async function enter(credential: string): Promise<void> {
  const me = await api<Me>('GET', '/v1/me', undefined, credential);
  signIn(credential, me);
}

/** Sign in with an API key, or with email and password (a session token from `POST /v1/sessions`). */
export function SignIn() {
  return (
    <main className="sign-in">
      <h1>Junction</h1>
      <KeyForm />
      <PasswordForm />
      <p className="muted">What you sign in with stays in this tab only and is forgotten when you sign out or close it.</p>
    </main>
  );
}

function KeyForm() {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await enter(key.trim());
    } catch (e) {
      setError(e instanceof ApiError && e.status === 401 ? 'That API key was not accepted: it is unknown, revoked or expired.' : describeError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)}>
      <label htmlFor="api-key">API key</label>
      <input id="api-key" type="password" autoComplete="off" spellCheck={false} required value={key} onChange={(e) => setKey(e.target.value)} />
      <button type="submit" className="primary" disabled={busy || key.trim() === ''}>
        Sign in
      </button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}

function PasswordForm() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // no credential yet: '' sends no Authorization header
      const session = await api<{ token: string }>('POST', '/v1/sessions', { email: email.trim(), password }, '');
      await enter(session.token);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 401 ? 'That email and password were not accepted.' : describeError(e));
    } finally {
      setBusy(false);
      setPassword('');
    }
  }

  return (
    <details className="password-sign-in">
      <summary>Sign in with email and password</summary>
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="email">Email</label>
        <input id="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <label htmlFor="password">Password</label>
        <input id="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        <button type="submit" className="primary" disabled={busy}>
          Sign in with password
        </button>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </details>
  );
}
