import { AuditEventRecorded } from '@junction/audit/contracts';
import {
  CompleteOAuth,
  CreateApiKey,
  CreateConnection,
  CreateUser,
  CreateWorkspace,
  DeleteConnection,
  GetApiKey,
  GetConnection,
  GetJwks,
  ListApiKeys,
  ListConnections,
  Login,
  LookupConnectionConnectors,
  ReadCredentials,
  RevokeApiKey,
  RotateVault,
  StartOAuth,
  UpdateConnection,
  VerifyKey,
} from '@junction/auth/contracts';
import { GetConnector } from '@junction/connectors/contracts';
import type { ServiceAccess } from '@junction/platform/nats';

/** Everything auth does on NATS: its NATS permissions are generated from this (tools/scripts/service-auth.ts). */
export const authAccess: ServiceAccess = {
  service: 'auth',
  serves: [
    CreateWorkspace,
    VerifyKey,
    CreateApiKey,
    ListApiKeys,
    GetApiKey,
    RevokeApiKey,
    CreateUser,
    Login,
    GetJwks,
    CreateConnection,
    ListConnections,
    GetConnection,
    UpdateConnection,
    DeleteConnection,
    ReadCredentials,
    LookupConnectionConnectors,
    StartOAuth,
    CompleteOAuth,
    RotateVault,
  ],
  calls: [GetConnector],
  publishes: [AuditEventRecorded],
  consumes: [],
};
