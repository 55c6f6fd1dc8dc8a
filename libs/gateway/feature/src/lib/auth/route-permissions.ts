import { roleAllows, type Permission, type Role } from '@junction/auth/contracts';

/**
 * Which permission each `/v1` route needs (`METHOD /path/:param`, as Express names the route).
 * Routes of areas not built yet are listed too, so they are protected the day they appear.
 */
export const ROUTE_PERMISSIONS: Readonly<Record<string, Permission>> = {
  'GET /v1/api-keys': 'api_keys:read',
  'GET /v1/api-keys/:id': 'api_keys:read',
  'POST /v1/api-keys': 'api_keys:manage',
  'DELETE /v1/api-keys/:id': 'api_keys:manage',
  'POST /v1/users': 'users:manage',
  'GET /v1/users': 'users:read',
  'DELETE /v1/users/:id/sessions': 'users:manage',
  'POST /v1/users/:id/disable': 'users:manage',
  'POST /v1/users/:id/enable': 'users:manage',
  'PUT /v1/users/me/password': 'sessions:own',
  'GET /v1/me': 'sessions:own',
  'DELETE /v1/sessions/current': 'sessions:own',
  'DELETE /v1/sessions': 'sessions:own',
  'GET /v1/connectors': 'connectors:read',
  'GET /v1/connectors/:key': 'connectors:read',
  'POST /v1/connectors': 'connectors:write',
  'GET /v1/connections': 'connections:read',
  'GET /v1/connections/:id': 'connections:read',
  'POST /v1/connections': 'connections:write',
  'PATCH /v1/connections/:id': 'connections:write',
  'DELETE /v1/connections/:id': 'connections:write',
  'POST /v1/connections/:id/test': 'connections:write',
  'GET /v1/connections/:id/oauth/authorize': 'connections:write',
  'GET /v1/recipes': 'recipes:read',
  'GET /v1/recipes/:id': 'recipes:read',
  'GET /v1/recipes/:id/versions': 'recipes:read',
  'GET /v1/recipes/:id/versions/:v': 'recipes:read',
  'POST /v1/recipes': 'recipes:write',
  'PUT /v1/recipes/:id': 'recipes:write',
  'DELETE /v1/recipes/:id': 'recipes:write',
  'POST /v1/recipes/:id/start': 'recipes:operate',
  'POST /v1/recipes/:id/stop': 'recipes:operate',
  'POST /v1/recipes/:id/runs': 'recipes:run',
  // runs a version over recorded jobs: reads only, but shows what a change would do (builders and admins)
  'POST /v1/recipes/:id/replay': 'recipes:write',
  'GET /v1/jobs': 'jobs:read',
  'GET /v1/jobs/:id': 'jobs:read',
  'GET /v1/jobs/:id/events': 'jobs:read',
  'POST /v1/jobs/rerun': 'jobs:operate',
  'POST /v1/jobs/:id/rerun': 'jobs:operate',
  'POST /v1/jobs/:id/cancel': 'jobs:operate',
  'GET /v1/dead-letters': 'jobs:read',
  'GET /v1/dead-letters/:id': 'jobs:read',
  'POST /v1/dead-letters/redrive': 'jobs:operate',
  // resumes waiting jobs (waitFor): what an operator may do to a job
  'POST /v1/events': 'jobs:operate',
  'GET /v1/approvals': 'jobs:read',
  'GET /v1/approvals/:id': 'jobs:read',
  'POST /v1/approvals/:id/decision': 'jobs:operate',
  'GET /v1/workspace/settings': 'workspace:manage',
  'PUT /v1/workspace/settings': 'workspace:manage',
  'GET /v1/audit': 'audit:read',
  'GET /v1/audit/verify': 'audit:read',
  'GET /v1/audit/export': 'audit:read',
};

/** HEAD and OPTIONS reveal what GET would (Express runs the GET handler for a HEAD): same row. */
const READ_ALIASES: Readonly<Record<string, string>> = { HEAD: 'GET', OPTIONS: 'GET' };

/**
 * May `role` call `method route`? A route missing from the table is `admin` only, whatever its
 * method: a new route fails closed until it is listed (route-permissions.spec checks that every
 * route of the gateway is listed, public or root-token).
 */
export function routeAllows(role: Role, method: string, route: string): boolean {
  const verb = method.toUpperCase();
  const key = `${READ_ALIASES[verb] ?? verb} ${route}`;
  const permission = Object.hasOwn(ROUTE_PERMISSIONS, key) ? ROUTE_PERMISSIONS[key] : undefined;
  if (permission) return roleAllows(role, permission);
  return role === 'admin';
}
