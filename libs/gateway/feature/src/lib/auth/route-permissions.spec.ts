import { PERMISSIONS, ROLES as AUTH_ROLES, type Role } from '@junction/auth/contracts';
import { ROLES } from '../shared/principal';
import { ROUTE_PERMISSIONS, routeAllows } from './route-permissions';

describe('route → role table', () => {
  // rows for routes whose controllers do not exist yet are checked here, on the table itself
  it.each([
    ['operator', 'POST', '/v1/jobs/:id/rerun', true],
    ['operator', 'POST', '/v1/jobs/:id/cancel', true],
    ['operator', 'PUT', '/v1/recipes/:id', false],
    ['operator', 'POST', '/v1/recipes', false],
    ['operator', 'POST', '/v1/recipes/:id/start', true],
    ['builder', 'PUT', '/v1/recipes/:id', true],
    ['builder', 'POST', '/v1/jobs/:id/rerun', false],
    ['operator', 'POST', '/v1/jobs/rerun', true],
    ['builder', 'POST', '/v1/jobs/rerun', false],
    ['auditor', 'POST', '/v1/jobs/rerun', false],
    ['auditor', 'POST', '/v1/connections', false],
    ['auditor', 'GET', '/v1/audit', true],
    ['builder', 'GET', '/v1/audit', false],
    ['auditor', 'POST', '/v1/jobs/:id/rerun', false],
    ['auditor', 'GET', '/v1/jobs/:id', true],
    ['builder', 'POST', '/v1/connectors', true],
    ['operator', 'POST', '/v1/connectors', false],
    ['admin', 'DELETE', '/v1/api-keys/:id', true],
    ['builder', 'DELETE', '/v1/api-keys/:id', false],
    ['auditor', 'GET', '/v1/me', true],
    ['operator', 'GET', '/v1/me', true],
  ] as const)('%s %s %s → %s', (role, method, route, allowed) => {
    expect(routeAllows(role, method, route)).toBe(allowed);
  });

  it('fails closed for any route missing from the table, reads included: admin only', () => {
    for (const method of ['POST', 'GET', 'HEAD', 'OPTIONS', 'DELETE']) {
      for (const role of ROLES) expect(routeAllows(role, method, '/v1/something-new')).toBe(role === 'admin');
    }
  });

  it('lets admin call every listed route and names only known permissions', () => {
    for (const [route, permission] of Object.entries(ROUTE_PERMISSIONS)) {
      expect(Object.keys(PERMISSIONS)).toContain(permission);
      const [method, path] = route.split(' ');
      expect(routeAllows('admin', method, path)).toBe(true);
    }
  });

  it('uses the same role names as the auth service', () => {
    expect([...ROLES]).toEqual([...AUTH_ROLES]);
    const role: Role = ROLES[0];
    expect(role).toBe('admin');
  });
});
