/** Roles of API keys and users, least to most specialised; `admin` may do everything in its workspace. */
export const ROLES = ['admin', 'builder', 'operator', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Who may do what. The gateway maps each route to one permission and refuses at the edge; the
 * service owning the operation checks the same table again, so a caller that reaches a service
 * over NATS without the gateway is held to the same rules.
 */
export const PERMISSIONS = {
  'workspace:read': ['admin', 'builder', 'operator', 'auditor'],
  /** Workspace-wide settings (the default error handler). */
  'workspace:manage': ['admin'],
  /** One's own sessions and password: log out, log out everywhere, change the password. */
  'sessions:own': ['admin', 'builder', 'operator', 'auditor'],
  'api_keys:read': ['admin'],
  'api_keys:manage': ['admin'],
  'users:read': ['admin'],
  'users:manage': ['admin'],
  'connectors:read': ['admin', 'builder', 'operator', 'auditor'],
  'connectors:write': ['admin', 'builder'],
  'connections:read': ['admin', 'builder', 'operator', 'auditor'],
  'connections:write': ['admin', 'builder'],
  'recipes:read': ['admin', 'builder', 'operator', 'auditor'],
  'recipes:write': ['admin', 'builder'],
  'recipes:operate': ['admin', 'operator'],
  'recipes:run': ['admin', 'builder', 'operator'],
  'jobs:read': ['admin', 'builder', 'operator', 'auditor'],
  'jobs:operate': ['admin', 'operator'],
  'audit:read': ['admin', 'auditor'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

export function roleAllows(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}
