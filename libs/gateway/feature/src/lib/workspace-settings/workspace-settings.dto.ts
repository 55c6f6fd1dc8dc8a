import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional, ValidateNested } from 'class-validator';
import { OnFailureSetting } from '@junction/executor/contracts';

export class WorkspaceSettingsBody {
  @ApiPropertyOptional({ type: OnFailureSetting, nullable: true, description: 'The default error handler (absent or null: none)' })
  @IsOptional()
  @ValidateNested()
  @Type(() => OnFailureSetting)
  onFailure?: OnFailureSetting | null;
}
