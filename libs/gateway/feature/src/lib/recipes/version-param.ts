import { Param, type PipeTransform } from '@nestjs/common';
import { RECIPE_VERSION_MAX } from '@junction/executor/contracts';
import { Problems } from '@junction/platform/http';

/**
 * A version number in the path: digits only, 1 to the column's bound; anything else is a 400
 * naming `v`. The global validation pipe runs first and may already have made it a number.
 */
export class VersionPipe implements PipeTransform<unknown, number> {
  transform(value: unknown): number {
    const text = typeof value === 'number' ? String(value) : value;
    const n = typeof text === 'string' && /^[1-9][0-9]{0,9}$/.test(text) ? Number(text) : NaN;
    if (n >= 1 && n <= RECIPE_VERSION_MAX) return n;
    throw Problems.validation([{ path: 'v', message: 'must be a version number (1, 2, …)' }], 'The path parameter v is malformed.');
  }
}

export const RecipeVersion = () => Param('v', new VersionPipe());
