import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsISO8601, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { defineRpc } from '@junction/platform/ports';
import { CreatedApiKey } from './api-key.contracts';
import { WORKSPACE_ID_RE } from './caller';

export class WorkspaceView {
  @ApiProperty({ example: 'ws_01J9Z5Q3X8M4ZK1T7N2B6C0D9E' })
  @Matches(WORKSPACE_ID_RE)
  id: string;

  @ApiProperty()
  @IsString()
  @MaxLength(100)
  name: string;

  @ApiProperty()
  @IsISO8601({ strict: true })
  createdAt: string;
}

export class CreateWorkspaceBody {
  @ApiProperty({ example: 'Acme' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;
}

/** Asked only by the gateway after it checked the operator's root token. */
export class CreateWorkspaceRequest extends CreateWorkspaceBody {}

export class CreatedWorkspace {
  @ApiProperty({ type: WorkspaceView })
  @ValidateNested()
  @Type(() => WorkspaceView)
  workspace: WorkspaceView;

  @ApiProperty({ type: CreatedApiKey, description: 'The first admin key: its only appearance' })
  @ValidateNested()
  @Type(() => CreatedApiKey)
  apiKey: CreatedApiKey;
}

export const CreateWorkspace = defineRpc('auth.create-workspace.v1', CreateWorkspaceRequest, CreatedWorkspace);
