import { Param, type PipeTransform } from '@nestjs/common';
import { API_KEY_ID_RE, CONNECTION_ID_RE, USER_ID_RE } from '@junction/auth/contracts';
import { CONNECTOR_KEY_RE } from '@junction/connectors/contracts';
import { APPROVAL_ID_RE, DEAD_LETTER_ID_RE, JOB_ID_RE, RECIPE_ID_RE } from '@junction/executor/contracts';
import { Problems } from '@junction/platform/http';

/**
 * A path id checked against its format at the edge: whatever else a client puts in a path
 * segment (NUL, `..`, 10 kB, another kind's id) is a 400 naming the parameter, instead of a
 * lookup that a service or its database fails on.
 */
class IdFormatPipe implements PipeTransform<unknown, string> {
  constructor(
    private readonly name: string,
    private readonly pattern: RegExp,
    private readonly format: string,
  ) {}

  transform(value: unknown): string {
    if (typeof value === 'string' && this.pattern.test(value)) return value;
    throw Problems.validation([{ path: this.name, message: `must be ${this.format}` }], `The path parameter ${this.name} is malformed.`);
  }
}

const ULID_FORMAT = '26 Crockford base32 characters';

export const ConnectionId = (name = 'id') => Param(name, new IdFormatPipe(name, CONNECTION_ID_RE, `a connection id (conn_ + ${ULID_FORMAT})`));
export const UserId = (name = 'id') => Param(name, new IdFormatPipe(name, USER_ID_RE, `a user id (usr_ + ${ULID_FORMAT})`));
export const ApiKeyId = (name = 'id') => Param(name, new IdFormatPipe(name, API_KEY_ID_RE, `an API key id (key_ + ${ULID_FORMAT})`));
export const RecipeId = (name = 'id') => Param(name, new IdFormatPipe(name, RECIPE_ID_RE, `a recipe id (rcp_ + ${ULID_FORMAT})`));
export const JobId = (name = 'id') => Param(name, new IdFormatPipe(name, JOB_ID_RE, `a job id (job_ + ${ULID_FORMAT})`));
export const DeadLetterId = (name = 'id') => Param(name, new IdFormatPipe(name, DEAD_LETTER_ID_RE, `a dead letter id (dlq_ + ${ULID_FORMAT})`));
export const ApprovalId = (name = 'id') => Param(name, new IdFormatPipe(name, APPROVAL_ID_RE, `an approval id (apr_ + ${ULID_FORMAT})`));
export const ConnectorKey = (name = 'key') => Param(name, new IdFormatPipe(name, CONNECTOR_KEY_RE, 'a connector key (a lower-case letter, then up to 63 of a-z, 0-9, _ and -)'));
