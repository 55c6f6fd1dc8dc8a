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
  'POST /v1/recipes': 'recipes:write',
  'PUT /v1/recipes/:id': 'recipes:write',
  'DELETE /v1/recipes/:id': 'recipes:write',
  'POST /v1/recipes/:id/start': 'recipes:operate',
  'POST /v1/recipes/:id/stop': 'recipes:operate',
  'POST /v1/recipes/:id/runs': 'recipes:run',
  'GET /v1/jobs': 'jobs:read',
  'GET /v1/jobs/:id': 'jobs:read',
  'POST /v1/jobs/:id/rerun': 'jobs:operate',
  'POST /v1/jobs/:id/cancel': 'jobs:operate',
  'GET /v1/audit': 'audit:read',
  'GET /v1/audit/verify': 'audit:read',
  'GET /v1/audit/export': 'audit:read',
};

/**
 * May `role` call `method route`? A route missing from the table is readable by every role
 * (GET/HEAD) and writable by `admin` only: a new mutating route fails closed until listed.
 */
export function routeAllows(role: Role, method: string, route: string): boolean {
  const permission = ROUTE_PERMISSIONS[`${method.toUpperCase()} ${route}`];
  if (permission) return roleAllows(role, permission);
  return method === 'GET' || method === 'HEAD' || role === 'admin';
}
