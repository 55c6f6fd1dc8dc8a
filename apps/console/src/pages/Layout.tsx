import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Link, Outlet } from '@tanstack/react-router';
import { api } from '../api/client';
import { can } from '../api/permissions';
import { currentSession, rememberMe, signOut, useSession, type Me } from '../api/session';
import { Loading } from '../components/Status';
import { SignIn } from './SignIn';

/** Signs out; a password session's token is revoked on the server too (an API key stays valid: it is not this tab's to end). */
async function leave(): Promise<void> {
  const { key, me } = currentSession();
  if (key && me?.kind === 'user') await api('DELETE', '/v1/sessions/current').catch(() => undefined);
  signOut();
}

/** The shell: the sign-in form until there is a key, then navigation and the page. */
export function Layout() {
  const { key, me } = useSession();
  const queryClient = useQueryClient();

  // a key kept from before a reload: ask who it is again (a 401 signs out)
  useEffect(() => {
    if (key && !me) api<Me>('GET', '/v1/me').then(rememberMe, () => undefined);
  }, [key, me]);
  // nothing cached for one principal may show to the next
  useEffect(() => {
    if (!key) queryClient.clear();
  }, [key, queryClient]);

  if (!key) return <SignIn />;
  if (!me) return <Loading />;
  return (
    <>
      <header className="top">
        <nav aria-label="Main">
          <strong>Junction</strong>
          <Link to="/recipes" activeProps={{ 'aria-current': 'page' }}>
            Recipes
          </Link>
          <Link to="/jobs" activeProps={{ 'aria-current': 'page' }}>
            Jobs
          </Link>
          <Link to="/dead-letters" activeProps={{ 'aria-current': 'page' }}>
            Dead letters
          </Link>
          <Link to="/approvals" activeProps={{ 'aria-current': 'page' }}>
            Approvals
          </Link>
          <Link to="/connections" activeProps={{ 'aria-current': 'page' }}>
            Connections
          </Link>
          <Link to="/connectors" activeProps={{ 'aria-current': 'page' }}>
            Connectors
          </Link>
          {can(me, 'audit:read') && (
            <Link to="/audit" activeProps={{ 'aria-current': 'page' }}>
              Audit log
            </Link>
          )}
          {can(me, 'api_keys:manage') && (
            <Link to="/api-keys" activeProps={{ 'aria-current': 'page' }}>
              API keys
            </Link>
          )}
        </nav>
        <span className="muted">
          {me.role} · {me.workspaceId}
        </span>
        <button type="button" onClick={() => void leave()}>
          Sign out
        </button>
      </header>
      <main>
        <Outlet />
      </main>
    </>
  );
}
