import { ValidateBy, type ValidationOptions } from 'class-validator';
import { AllowListError, parseAllowList } from './address-policy';

function problemsOf(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  if (typeof value !== 'string') return ['must be a comma-separated list of IPs, CIDRs and address:port entries'];
  try {
    parseAllowList(value);
    return [];
  } catch (error) {
    return error instanceof AllowListError ? error.problems : [String(error)];
  }
}

/**
 * An outbound allow-list variable (`JUNCTION_HTTP_ALLOW`): the service refuses to start on a
 * malformed entry, and the message names it, instead of reading `10.0.0.0/` as something else.
 */
export function IsFenceAllowList(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isFenceAllowList',
      validator: {
        validate: (value: unknown) => problemsOf(value).length === 0,
        defaultMessage: (args) => problemsOf(args?.value).join('; '),
      },
    },
    options,
  );
}
