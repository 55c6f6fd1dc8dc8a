import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { PAGE_MAX, RECIPE_ID_RE } from '@junction/executor/contracts';

export class ListRecipesQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: PAGE_MAX, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(PAGE_MAX)
  limit?: number;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page' })
  @IsOptional()
  @Matches(RECIPE_ID_RE, { message: 'cursor must be a nextCursor returned by this list' })
  cursor?: string;
}
