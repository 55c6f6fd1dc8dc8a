import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsISO8601, IsOptional, Max, Min, IsString, Matches, MaxLength, MinLength, ValidateIf, ValidateNested } from 'class-validator';
import { defineRpc } from '@junction/platform/ports';
import { CONNECTOR_KEY_RE } from '@junction/connectors/contracts';
import { CONNECTION_ID_RE, PageQuery, ScopedRequest, WORKSPACE_ID_RE } from './caller';
import { OAuthSettings } from './oauth-settings';
import { IsSecretMap } from './secret-map';

export const CONNECTION_STATUSES = ['active', 'needs_reauth'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/** A connection as the API shows it: which secret fields are set, never their values. */
export class ConnectionView {
  @ApiProperty({ example: 'conn_01J9Z5Q3X8M4ZK1T7N2B6C0D9E' })
  @Matches(CONNECTION_ID_RE)
  id: string;

  @ApiProperty()
  @IsString()
  @MaxLength(100)
  name: string;

  @ApiProperty({ example: 'http' })
  @Matches(CONNECTOR_KEY_RE)
  connector: string;

  @ApiProperty({ enum: CONNECTION_STATUSES })
  @IsIn(CONNECTION_STATUSES)
  status: ConnectionStatus;

  @ApiProperty({ type: [String], example: ['apiKey'], description: 'Names of the secret fields that are set' })
  @IsArray()
  @IsString({ each: true })
  secretFields: string[];

  @ApiProperty({ required: false, type: OAuthSettings })
  @IsOptional()
  @ValidateNested()
  @Type(() => OAuthSettings)
  oauth?: OAuthSettings;

  @ApiProperty()
  @IsISO8601({ strict: true })
  createdAt: string;

  @ApiProperty()
  @IsISO8601({ strict: true })
  updatedAt: string;
}

export class CreateConnectionBody {
  @ApiProperty({ example: 'CRM production' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  @ApiProperty({ example: 'http' })
  @IsString()
  @Matches(CONNECTOR_KEY_RE, { message: 'connector must be a connector key' })
  connector: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description:
      "Secret fields; write-only (OAuth2: clientId, clientSecret). allowedHosts: hosts the credentials may be sent to besides the connector's own " +
      '(comma-separated host, host:port, *.domain; http:// prefix for plain http); required for http connections that send credentials.',
  })
  @IsSecretMap()
  credentials: Record<string, string>;

  @ApiProperty({ required: false, type: OAuthSettings, description: 'For OAuth2 connections: where tokens come from' })
  @IsOptional()
  @ValidateNested()
  @Type(() => OAuthSettings)
  oauth?: OAuthSettings;
}

// In the update shapes a field may be absent, never null: a merge-patch `null` would remove a
// required field (IsOptional lets null through, and the database then refuses it: a 5xx).
const absentOrValid = () => ValidateIf((_, value) => value !== undefined);

export class UpdateConnectionBody {
  @ApiProperty({ required: false })
  @absentOrValid()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @ApiProperty({ required: false, type: Object, additionalProperties: { type: 'string' }, description: 'Replaces every secret field; write-only' })
  @absentOrValid()
  @IsSecretMap()
  credentials?: Record<string, string>;
}

export class CreateConnectionRequest extends ScopedRequest {
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  @IsString()
  @Matches(CONNECTOR_KEY_RE)
  connector: string;

  @IsSecretMap()
  credentials: Record<string, string>;

  @IsOptional()
  @ValidateNested()
  @Type(() => OAuthSettings)
  oauth?: OAuthSettings;
}

export class ConnectionRef extends ScopedRequest {
  @IsString()
  @MaxLength(64)
  id: string;
}

export class UpdateConnectionRequest extends ConnectionRef {
  @absentOrValid()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @absentOrValid()
  @IsSecretMap()
  credentials?: Record<string, string>;
}

export class ListConnectionsRequest extends ScopedRequest {
  @IsOptional()
  @ValidateNested()
  @Type(() => PageQuery)
  page?: PageQuery;
}

export class ConnectionList {
  @ApiProperty({ type: [ConnectionView] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ConnectionView)
  items: ConnectionView[];

  @ApiProperty({ required: false })
  @IsOptional()
  @IsString()
  nextCursor?: string;
}

export class Deleted {
  @ApiProperty()
  @IsString()
  id: string;
}

/** The connectors service asks for a job's credentials; every answer is audited. */
export class ReadCredentialsRequest {
  @Matches(WORKSPACE_ID_RE)
  workspaceId: string;

  @IsString()
  @MaxLength(64)
  connectionId: string;

  @IsString()
  @MinLength(1)
  @MaxLength(64)
  jobId: string;
}

export class Credentials {
  @Matches(CONNECTION_ID_RE)
  connectionId: string;

  @Matches(CONNECTOR_KEY_RE)
  connector: string;

  @IsSecretMap()
  credentials: Record<string, string>;
}

/**
 * Which connector each of a workspace's connections belongs to, and its name (no secrets): the
 * executor checks recipes with it, resolves the connection names a recipe gives, and names the
 * connections of an exported recipe.
 */
export class ConnectionConnectorsRequest {
  @Matches(WORKSPACE_ID_RE)
  workspaceId: string;

  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  connectionIds: string[];

  /** Connections looked up by their (unique) name. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  names?: string[];
}

export class ConnectionConnector {
  @IsString()
  @MaxLength(64)
  id: string;

  @Matches(CONNECTOR_KEY_RE)
  connector: string;

  /** Absent only from an auth service older than connection names in recipes. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  name?: string;
}

export class ConnectionConnectors {
  /** The connections that exist in the workspace, asked for by id or by name; unknown ones are left out. */
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ConnectionConnector)
  connections: ConnectionConnector[];
}

export class RotateVaultRequest {
  /** Rows re-wrapped per transaction. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  batchSize?: number;
}

export class RotateVaultResult {
  @ApiProperty()
  @IsString()
  keyId: string;

  @ApiProperty({ description: 'Rows whose data key was re-wrapped under keyId' })
  @IsInt()
  @Min(0)
  rewrapped: number;

  @ApiProperty({ description: 'Rows still under an older key (changed concurrently; run again)' })
  @IsInt()
  @Min(0)
  remaining: number;
}

export const CreateConnection = defineRpc('auth.create-connection.v1', CreateConnectionRequest, ConnectionView);
export const ListConnections = defineRpc('auth.list-connections.v1', ListConnectionsRequest, ConnectionList);
export const GetConnection = defineRpc('auth.get-connection.v1', ConnectionRef, ConnectionView);
export const UpdateConnection = defineRpc('auth.update-connection.v1', UpdateConnectionRequest, ConnectionView);
export const DeleteConnection = defineRpc('auth.delete-connection.v1', ConnectionRef, Deleted);
/** `auth.read-credentials.v1`: decrypted credentials, for the connectors service only. */
export const ReadCredentials = defineRpc('auth.read-credentials.v1', ReadCredentialsRequest, Credentials);
/** `auth.lookup-connection-connectors.v1`: connector keys of connections, for recipe validation (never a secret). */
export const LookupConnectionConnectors = defineRpc('auth.lookup-connection-connectors.v1', ConnectionConnectorsRequest, ConnectionConnectors);
/** Re-wraps every data key under the newest master key while the service keeps serving. */
export const RotateVault = defineRpc('auth.rotate-vault.v1', RotateVaultRequest, RotateVaultResult, { timeoutMs: 60_000 });
