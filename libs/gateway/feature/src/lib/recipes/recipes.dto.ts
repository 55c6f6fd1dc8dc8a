import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { RECIPE_ID_RE } from '@junction/executor/contracts';
import { PageLimitQuery } from '../shared/page-query';

export class ListRecipesQuery extends PageLimitQuery {
  @ApiPropertyOptional({ description: '`nextCursor` of the previous page' })
  @IsOptional()
  @Matches(RECIPE_ID_RE, { message: 'cursor must be a nextCursor returned by this list' })
  cursor?: string;
}
