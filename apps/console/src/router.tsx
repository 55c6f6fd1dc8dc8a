import { createRootRoute, createRoute, createRouter, Link, redirect } from '@tanstack/react-router';
import type { ApprovalFilters } from './api/approvals';
import type { AuditFilters } from './api/audit';
import type { DeadLetterFilters } from './api/dead-letters';
import type { JobFilters } from './api/jobs';
import { ApiKeysPage } from './pages/ApiKeysPage';
import { ApprovalsPage } from './pages/ApprovalsPage';
import { AuditPage } from './pages/AuditPage';
import { ConnectionsPage } from './pages/ConnectionsPage';
import { ConnectorsPage } from './pages/ConnectorsPage';
import { DeadLettersPage } from './pages/DeadLettersPage';
import { JobPage } from './pages/JobPage';
import { JobsPage } from './pages/Jobs';
import { Layout } from './pages/Layout';
import { NewRecipePage } from './pages/NewRecipePage';
import { RecipePage } from './pages/RecipePage';
import { RecipesPage } from './pages/Recipes';

const rootRoute = createRootRoute({
  component: Layout,
  notFoundComponent: () => (
    <p>
      No such page. <Link to="/recipes">Go to the recipes</Link>.
    </p>
  ),
});

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/recipes' });
  },
});

const recipesRoute = createRoute({ getParentRoute: () => rootRoute, path: '/recipes', component: RecipesPage });
const newRecipeRoute = createRoute({ getParentRoute: () => rootRoute, path: '/recipes/new', component: NewRecipePage });
const recipeRoute = createRoute({ getParentRoute: () => rootRoute, path: '/recipes/$recipeId', component: RecipePage });

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
const jobsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/jobs',
  validateSearch: (search: Record<string, unknown>): JobFilters => ({
    recipeId: text(search['recipeId']),
    status: text(search['status']),
    range: text(search['range']),
    cursor: text(search['cursor']),
  }),
  component: JobsPage,
});
const jobRoute = createRoute({ getParentRoute: () => rootRoute, path: '/jobs/$jobId', component: JobPage });

const auditRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/audit',
  validateSearch: (search: Record<string, unknown>): AuditFilters => ({
    action: text(search['action']),
    actor: text(search['actor']),
    target: text(search['target']),
    cursor: text(search['cursor']),
  }),
  component: AuditPage,
});

const deadLettersRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/dead-letters',
  validateSearch: (search: Record<string, unknown>): DeadLetterFilters => ({
    recipeId: text(search['recipeId']),
    reason: text(search['reason']),
    state: text(search['state']),
    cursor: text(search['cursor']),
  }),
  component: DeadLettersPage,
});
const approvalsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/approvals',
  validateSearch: (search: Record<string, unknown>): ApprovalFilters => ({ state: text(search['state']), cursor: text(search['cursor']) }),
  component: ApprovalsPage,
});
const apiKeysRoute = createRoute({ getParentRoute: () => rootRoute, path: '/api-keys', component: ApiKeysPage });
const connectionsRoute = createRoute({ getParentRoute: () => rootRoute, path: '/connections', component: ConnectionsPage });
const connectorsRoute = createRoute({ getParentRoute: () => rootRoute, path: '/connectors', component: ConnectorsPage });

export const router = createRouter({
  routeTree: rootRoute.addChildren([
    indexRoute,
    recipesRoute,
    newRecipeRoute,
    recipeRoute,
    jobsRoute,
    jobRoute,
    deadLettersRoute,
    approvalsRoute,
    auditRoute,
    apiKeysRoute,
    connectionsRoute,
    connectorsRoute,
  ]),
  basepath: '/console',
});

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
