import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional, IsString, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { defineRpc } from '@junction/platform/ports';
import { WorkspaceScoped } from './recipe-api.contracts';

/** The error handler: a recipe of the workspace, by id or name. */
export class OnFailureSetting {
  @ApiProperty({ description: 'The handler recipe, by id or name' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  recipe: string;
}

export class WorkspaceSettingsView {
  @ApiPropertyOptional({ type: OnFailureSetting, description: 'The default error handler, for recipes whose settings name none (absent: none)' })
  @IsOptional()
  @ValidateNested()
  @Type(() => OnFailureSetting)
  onFailure?: OnFailureSetting;
}

export class PutWorkspaceSettingsRequest extends WorkspaceScoped {
  /** Absent or null: no default handler. */
  @IsOptional()
  @ValidateNested()
  @Type(() => OnFailureSetting)
  onFailure?: OnFailureSetting | null;
}

export const GetWorkspaceSettings = defineRpc('executor.workspace-settings-get.v1', WorkspaceScoped, WorkspaceSettingsView);
/** `unprocessable` when the handler names no recipe of the workspace. */
export const PutWorkspaceSettings = defineRpc('executor.workspace-settings-put.v1', PutWorkspaceSettingsRequest, WorkspaceSettingsView);
