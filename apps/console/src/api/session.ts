import { useSyncExternalStore } from 'react';

/** What `GET /v1/me` says about the signed-in principal. */
export interface Me {
  workspaceId: string;
  role: 'admin' | 'builder' | 'operator' | 'auditor';
  kind: 'api_key' | 'user';
  id: string;
}

// sessionStorage only: the key is gone when the tab closes, and never reaches localStorage or a URL
const KEY_ITEM = 'junction.apiKey';

interface Session {
  key: string | null;
  me: Me | null;
}

let session: Session = { key: sessionStorage.getItem(KEY_ITEM), me: null };
const listeners = new Set<() => void>();

function set(next: Session): void {
  session = next;
  listeners.forEach((l) => l());
}

export function currentKey(): string | null {
  return session.key;
}

export function signIn(key: string, me: Me): void {
  sessionStorage.setItem(KEY_ITEM, key);
  set({ key, me });
}

export function rememberMe(me: Me): void {
  set({ ...session, me });
}

export function signOut(): void {
  sessionStorage.removeItem(KEY_ITEM);
  set({ key: null, me: null });
}

/** The session this tab holds, for a sign-out that also revokes a password session's token. */
export function currentSession(): Session {
  return session;
}

export function useSession(): Session {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => session,
  );
}
