import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { defineRpc } from '@junction/platform/ports';

/** Connector and operation keys: lower snake/kebab case, as in `http`, `post_message`. */
export const CONNECTOR_KEY_RE = /^[a-z][a-z0-9_-]{0,63}$/;

export const AUTH_KINDS = ['none', 'api_key', 'basic', 'bearer', 'oauth2', 'custom'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

/** One action or trigger of a connector, with its JSON Schemas. */
export class OperationSummary {
  @ApiProperty({ example: 'request' })
  @Matches(CONNECTOR_KEY_RE)
  key: string;

  @ApiProperty({ example: 'HTTP request' })
  @IsString()
  @MaxLength(200)
  displayName: string;

  @ApiProperty({ required: false })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  /** Dotted paths (`input.body.password`, `output.token`) the executor redacts from stored step data. */
  @ApiProperty({ required: false, type: [String] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  sensitive?: string[];

  /** Whether a repeat is harmless (`true`), made harmless by the idempotency key sent with it (`key`), or may act twice (`false`); actions only. */
  @ApiProperty({ required: false, oneOf: [{ type: 'boolean' }, { type: 'string', enum: ['key'] }] })
  @IsOptional()
  @IsIn([true, false, 'key'])
  idempotent?: boolean | 'key';

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'JSON Schema of the input' })
  @IsObject()
  inputSchema: Record<string, unknown>;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'JSON Schema of the output' })
  @IsObject()
  outputSchema: Record<string, unknown>;
}

export class ConnectorSummary {
  @ApiProperty({ example: 'http' })
  @Matches(CONNECTOR_KEY_RE)
  key: string;

  @ApiProperty({ example: '1.0.0' })
  @Matches(/^\d+\.\d+\.\d+$/)
  version: string;

  @ApiProperty({ example: 'HTTP' })
  @IsString()
  @MaxLength(200)
  displayName: string;

  @ApiProperty({ required: false })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiProperty({ enum: AUTH_KINDS, isArray: true })
  @IsArray()
  @IsIn(AUTH_KINDS, { each: true })
  authKinds: AuthKind[];

  @ApiProperty({
    required: false,
    type: Object,
    additionalProperties: true,
    description:
      'For `custom` auth: JSON Schema of the connection’s credential fields (a flat map of strings; secret fields are `writeOnly: true`). ' +
      'Connections of this connector are checked against it when created or updated (422 naming `credentials.<field>`).',
  })
  @IsOptional()
  @IsObject()
  customCredentialsSchema?: Record<string, unknown>;

  @ApiProperty({ required: false, description: 'Whether `POST /v1/connections/:id/test` can check this connector’s credentials' })
  @IsOptional()
  @IsBoolean()
  testable?: boolean;

  @ApiProperty({ type: [OperationSummary] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => OperationSummary)
  actions: OperationSummary[];

  @ApiProperty({ type: [OperationSummary] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => OperationSummary)
  triggers: OperationSummary[];
}

/** Which workspace asks: custom connectors are visible to their workspace only. */
export class ListConnectorsRequest {
  @IsOptional()
  @IsString()
  @MaxLength(64)
  workspaceId?: string;
}

export class ConnectorList {
  @ApiProperty({ type: [ConnectorSummary] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ConnectorSummary)
  items: ConnectorSummary[];
}

export class GetConnectorRequest {
  @Matches(CONNECTOR_KEY_RE, { message: 'key must be a connector key (lower case letters, digits, _ and -)' })
  key: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  workspaceId?: string;
}

/** `connectors.list.v1`: the catalog, built-in connectors first. */
export const ListConnectors = defineRpc('connectors.list.v1', ListConnectorsRequest, ConnectorList, { timeoutMs: 3000 });

/** `connectors.get.v1`: one connector; answers `not_found` for an unknown key. */
export const GetConnector = defineRpc('connectors.get.v1', GetConnectorRequest, ConnectorSummary, { timeoutMs: 3000 });
