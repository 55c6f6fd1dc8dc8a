import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createMemoryHistory, createRootRoute, createRoute, createRouter, RouterProvider } from '@tanstack/react-router';
import { act, render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { signIn, type Me } from '../api/session';

/**
 * A component under a router and a query client of its own, signed in with `role`: what pages
 * need (links, the session's role) without the console's whole route tree.
 */
export function renderRouted(ui: () => ReactNode, role: Me['role'] = 'admin') {
  act(() => signIn('jk_test_key', { workspaceId: 'ws_1', role, kind: 'api_key', id: 'key_1' }));
  const root = createRootRoute();
  const page = createRoute({ getParentRoute: () => root, path: '/', component: () => <>{ui()}</> });
  const router = createRouter({ routeTree: root.addChildren([page]), history: createMemoryHistory({ initialEntries: ['/'] }) });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <RouterProvider router={router as never} />
    </QueryClientProvider>,
  );
}
