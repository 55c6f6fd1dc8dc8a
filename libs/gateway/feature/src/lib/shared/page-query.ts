import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { PAGE_MAX } from '@junction/executor/contracts';

/** `?limit=` of every cursor-paginated list; each list adds its own `cursor` (its id format). */
export class PageLimitQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: PAGE_MAX, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(PAGE_MAX)
  limit?: number;
}
