import 'reflect-metadata';
import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ROLES } from '../shared/principal';
import { GatewayFeatureModule } from '../gateway-feature.module';
import { PUBLIC_ROUTE } from './public-route';
import { ROOT_TOKEN_ROUTE } from './root-token';
import { ROUTE_PERMISSIONS, routeAllows } from './route-permissions';

interface RouteInfo {
  key: string;
  open: 'public' | 'root-token' | 'table' | 'unlisted';
}

function controllersOf(module: Type<unknown>, seen = new Set<unknown>()): Type<unknown>[] {
  if (seen.has(module)) return [];
  seen.add(module);
  const own = (Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, module) as Type<unknown>[] | undefined) ?? [];
  const imports = (Reflect.getMetadata(MODULE_METADATA.IMPORTS, module) as Type<unknown>[] | undefined) ?? [];
  return [...own, ...imports.flatMap((m) => controllersOf(m, seen))];
}

const join = (...parts: string[]) =>
  `/${parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .join('/')}`;

/** Every route the gateway's Nest application serves, as `METHOD /pattern`, with what opens it. */
function gatewayRoutes(): RouteInfo[] {
  return controllersOf(GatewayFeatureModule).flatMap((controller) => {
    const prefixes = [Reflect.getMetadata(PATH_METADATA, controller) as string | string[]].flat();
    const publicClass = Reflect.getMetadata(PUBLIC_ROUTE, controller) === true;
    const rootClass = Reflect.getMetadata(ROOT_TOKEN_ROUTE, controller) === true;
    const proto = controller.prototype as Record<string, unknown>;
    return Object.getOwnPropertyNames(proto).flatMap((name) => {
      const handler = proto[name];
      if (typeof handler !== 'function' || name === 'constructor') return [];
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined) return [];
      const paths = [Reflect.getMetadata(PATH_METADATA, handler) as string | string[]].flat();
      return prefixes.flatMap((prefix) =>
        paths.map((path): RouteInfo => {
          const key = `${RequestMethod[method]} ${join(prefix ?? '', path ?? '')}`;
          const open =
            publicClass || Reflect.getMetadata(PUBLIC_ROUTE, handler) === true
              ? 'public'
              : rootClass || Reflect.getMetadata(ROOT_TOKEN_ROUTE, handler) === true
                ? 'root-token'
                : Object.hasOwn(ROUTE_PERMISSIONS, key)
                  ? 'table'
                  : 'unlisted';
          return { key, open };
        }),
      );
    });
  });
}

describe('the gateway route table is complete and fails closed (issue #10 class 1)', () => {
  const routes = gatewayRoutes();

  it('finds the controllers of every area', () => {
    expect(routes.length).toBeGreaterThan(25);
    expect(routes.map((r) => r.key)).toEqual(expect.arrayContaining(['POST /v1/workspaces', 'GET /v1/audit', 'POST /v1/recipes/:id/runs', 'GET /v1/oauth/callback']));
  });

  it('lists every route in the role table, or marks it public or root-token on purpose', () => {
    expect(routes.filter((r) => r.open === 'unlisted').map((r) => r.key)).toEqual([]);
  });

  it('keeps the set of public routes to the deliberate ones', () => {
    expect(
      routes
        .filter((r) => r.open === 'public')
        .map((r) => r.key)
        .sort(),
    ).toEqual([
      'GET /.well-known/jwks.json',
      // approval links: the signed, single-use token is the credential (approvals.hostile-spec)
      'GET /approvals/:token',
      'GET /console',
      'GET /console/{*path}',
      'GET /v1/oauth/callback',
      'POST /approvals/:token',
      'POST /v1/sessions',
    ]);
    expect(
      routes
        .filter((r) => r.open === 'root-token')
        .map((r) => r.key)
        .sort(),
    ).toEqual(['POST /v1/vault/rotate', 'POST /v1/workspaces']);
  });

  it('checks HEAD and OPTIONS against the GET row, whatever the case of the method', () => {
    for (const method of ['HEAD', 'OPTIONS', 'head', 'Options']) {
      expect(routeAllows('builder', method, '/v1/audit')).toBe(false);
      expect(routeAllows('auditor', method, '/v1/audit')).toBe(true);
      expect(routeAllows('operator', method, '/v1/api-keys')).toBe(false);
    }
  });

  it('denies every role but admin a route it does not know, including spellings of known ones', () => {
    for (const route of ['/V1/audit', '/v1/audit/', '//v1/audit', '/v1/%61udit', '/v1/audit/../api-keys', 'constructor', '__proto__', 'toString']) {
      for (const method of ['GET', 'HEAD', 'POST', 'DELETE']) {
        for (const role of ROLES) expect({ role, method, route, allowed: routeAllows(role, method, route) }).toEqual({ role, method, route, allowed: role === 'admin' });
      }
    }
  });
});
