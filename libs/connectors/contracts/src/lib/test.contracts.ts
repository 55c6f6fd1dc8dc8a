import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
import { defineRpc } from '@junction/platform/ports';

/** Check a connection's credentials with its connector's `test` hook (nothing else is called). */
export class TestConnectionRequest {
  @IsString()
  @MaxLength(64)
  workspaceId: string;

  @IsString()
  @MaxLength(64)
  connectionId: string;
}

/** The answer of `POST /v1/connections/:id/test`: a refusal by the third party is `ok: false`, not an HTTP error. */
export class ConnectionTestResult {
  @ApiProperty({ description: 'Whether the third party accepted the credentials' })
  @IsBoolean()
  ok: boolean;

  @ApiProperty({ required: false, description: 'Why not (or what was checked), with credential values scrubbed' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  detail?: string;
}

/**
 * `connectors.test-connection.v1`: answers `not_found` for a connection of another workspace and
 * `unprocessable` for a connector without a test hook. The deadline covers the hook's own timeout.
 */
export const TestConnection = defineRpc('connectors.test-connection.v1', TestConnectionRequest, ConnectionTestResult, { timeoutMs: 30_000 });
