import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';

/**
 * TypeORM's deep-partial type cannot follow `Record<string, unknown>` jsonb columns; the
 * values are whole rows (or column subsets) of the entity, checked by the caller's own type.
 */
export function values<T>(row: Partial<T>): QueryDeepPartialEntity<T> {
  return row as QueryDeepPartialEntity<T>;
}
