import type { Me } from './session';

// What each role may do (the server's table, PERMISSIONS in the auth contracts): only to hide
// controls a principal cannot use. The API enforces the same rules on every call.
const CAN = {
  'recipes:write': ['admin', 'builder'],
  'recipes:operate': ['admin', 'operator'],
  'recipes:run': ['admin', 'builder', 'operator'],
  'jobs:operate': ['admin', 'operator'],
  'audit:read': ['admin', 'auditor'],
  'api_keys:manage': ['admin'],
  'connections:write': ['admin', 'builder'],
  'connectors:write': ['admin', 'builder'],
} as const;

export type Action = keyof typeof CAN;

export function can(me: Me | null, action: Action): boolean {
  return me !== null && (CAN[action] as readonly string[]).includes(me.role);
}
