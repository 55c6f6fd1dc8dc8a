import { plainToInstance, Type } from 'class-transformer';
import {
  Allow,
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  Validate,
  ValidateIf,
  ValidateNested,
  ValidatorConstraint,
  validateSync,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { InvalidMessageError, Opaque, acceptedWithoutErrors, ensureValid, validatePayload } from './validation';

@ValidatorConstraint({ async: true })
class AsyncAlwaysFalse implements ValidatorConstraintInterface {
  validate(): Promise<boolean> {
    return Promise.resolve(false);
  }
}

class Envelope {
  @IsString()
  id: string;

  @IsObject()
  @Opaque()
  input: Record<string, unknown>;

  @Allow()
  @Opaque()
  data?: unknown;

  @Allow()
  copied?: unknown;
}

class Extended extends Envelope {
  @Allow()
  @Opaque()
  extra?: unknown;
}

describe('validatePayload with opaque properties', () => {
  it('takes opaque values over as they are, and copies the others', () => {
    const input = { rows: [{ n: 1 }] };
    const data = [1, 2, 3];
    const copied = { nested: { a: 1 } };
    const out = validatePayload(Envelope, { id: 'x', input, data, copied });
    expect(out).toBeInstanceOf(Envelope);
    expect(out.input).toBe(input);
    expect(out.data).toBe(data);
    expect(out.copied).toEqual(copied);
    expect(out.copied).not.toBe(copied); // class-transformer's deep copy for ordinary properties
  });

  it('still checks an opaque property with its own decorators', () => {
    expect(() => validatePayload(Envelope, { id: 'x', input: 'not an object' })).toThrow(InvalidMessageError);
    expect(() => validatePayload(Envelope, { id: 'x', input: {}, unknown: 1 })).toThrow(/unknown/);
  });

  it('refuses a forbidden key hidden inside an opaque value', () => {
    const hostile = JSON.parse('{"id":"x","input":{"deep":{"__proto__":{"polluted":true}}}}') as unknown;
    expect(() => validatePayload(Envelope, hostile)).toThrow(/input\.deep\.__proto__/);
  });

  it('inherits opaque properties and leaves the parent class alone', () => {
    const extra = { big: true };
    const out = validatePayload(Extended, { id: 'x', input: {}, extra });
    expect(out.extra).toBe(extra);
    const parent = validatePayload(Envelope, { id: 'y', input: {}, data: extra });
    expect(parent.data).toBe(extra);
  });
});

describe('validation metadata kept per class', () => {
  it('sees decorators of classes defined after earlier validations, and keeps each class its own rules', () => {
    class Base {
      @IsString()
      name: string;
    }
    expect(() => validatePayload(Base, { name: 1 })).toThrow(/name/);
    expect(validatePayload(Base, { name: 'a' }).name).toBe('a');
    // defined later: its decorators register after Base's rules were cached
    class Later extends Base {
      @IsObject()
      meta: Record<string, unknown>;
    }
    expect(() => validatePayload(Later, { name: 'a', meta: 'nope' })).toThrow(/meta/);
    expect(() => validatePayload(Later, { name: 2, meta: {} })).toThrow(/name/);
    expect(validatePayload(Later, { name: 'a', meta: {} })).toBeInstanceOf(Later);
    expect(() => validatePayload(Base, { name: 'a', meta: {} })).toThrow(/meta/); // still unknown to Base
  });
});

describe('the accept path without error objects (acceptedWithoutErrors)', () => {
  const KINDS = ['webhook', 'api'] as const;

  class Failure {
    @IsIn(['retryable', 'fatal'])
    kind: string;

    @IsString()
    @MaxLength(10)
    message: string;

    @IsOptional()
    @IsInt()
    @Min(0)
    retryAfterMs?: number;
  }

  class Message {
    @IsString()
    @MaxLength(8)
    workspaceId: string;

    @Matches(/^[a-z][a-z0-9_]{0,7}$/)
    action: string;

    @IsIn(KINDS)
    kind: string;

    @IsOptional()
    @IsString()
    @MaxLength(4)
    connectionId?: string;

    @IsOptional()
    @IsInt()
    @Min(100)
    @Max(600_000)
    timeoutMs?: number;

    @IsISO8601({ strict: true })
    receivedAt: string;

    @IsObject()
    @Opaque()
    input: Record<string, unknown>;

    @Allow()
    @Opaque()
    data?: unknown;

    @IsOptional()
    @ValidateNested()
    @Type(() => Failure)
    error?: Failure;

    @ValidateIf((o: { kind?: string }) => o.kind === 'api')
    @IsDefined()
    apiKey?: string;

    @IsOptional()
    @IsString({ each: true })
    tags?: string[];

    @IsOptional()
    @Validate(AsyncAlwaysFalse)
    slow?: string;
  }

  const valid = {
    workspaceId: 'ws_1',
    action: 'post',
    kind: 'webhook',
    receivedAt: '2026-12-07T23:00:00.000Z',
    input: { a: 1 },
    data: { headers: {}, body: 'x' },
  };
  const options = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, validationError: { target: false, value: false } };
  const classValidatorAccepts = (instance: object) => validateSync(instance, options).length === 0;
  const instanceOf = (plain: Record<string, unknown>) => plainToInstance(Message, plain, { enableImplicitConversion: false });

  // values of every kind a field can be sent as: each field of the valid message is replaced by each
  const values: unknown[] = [
    undefined,
    null,
    '',
    'ws_1',
    'post',
    'api',
    'x'.repeat(9),
    '\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00', // 10 UTF-16 units, 5 characters
    '2026-12-07T23:00:00Z',
    '2026-13-07',
    0,
    -1,
    99,
    100,
    1.5,
    600_001,
    NaN,
    true,
    {},
    [],
    ['a'],
    [1],
    { kind: 'fatal', message: 'm' },
    { kind: 'fatal', message: 'm', extra: 1 },
    { kind: 'nope', message: 'm' },
    new Set(['a']),
  ];
  const fields = [...Object.keys(valid), 'connectionId', 'timeoutMs', 'error', 'apiKey', 'tags', 'slow', 'unknownField'];

  it('accepts what class-validator accepts and only that, field by field', () => {
    let accepted = 0;
    let agreed = 0;
    for (const field of fields) {
      for (const value of values) {
        const instance = instanceOf({ ...valid, [field]: value });
        const fast = acceptedWithoutErrors(instance);
        const slow = classValidatorAccepts(instanceOf({ ...valid, [field]: value }));
        // never accepts what class-validator refuses
        if (fast) expect({ field, value, slow }).toEqual({ field, value, slow: true });
        if (fast) accepted++;
        if (fast === slow) agreed++;
      }
    }
    // and decides most cases itself instead of handing them over: only `each` over an array and a Set fall back
    expect(accepted).toBeGreaterThan(40);
    expect(agreed).toBeGreaterThan(fields.length * values.length - 10);
  });

  it('accepts a valid message, nested class included, and validatePayload returns it', () => {
    const plain = { ...valid, kind: 'api', apiKey: 'k', error: { kind: 'fatal', message: 'm', retryAfterMs: 5 }, timeoutMs: 100, connectionId: 'c1' };
    expect(acceptedWithoutErrors(instanceOf(plain))).toBe(true);
    const out = validatePayload(Message, plain);
    expect(out.error).toBeInstanceOf(Failure);
    expect(out.input).toBe(plain.input);
  });

  it('hands over what it does not follow, and class-validator still has the last word', () => {
    // `each` over an array: class-validator decides (and accepts)
    expect(acceptedWithoutErrors(instanceOf({ ...valid, tags: ['a'] }))).toBe(false);
    expect(validatePayload(Message, { ...valid, tags: ['a'] }).tags).toEqual(['a']);
    // an asynchronous constraint is ignored by validateSync, here as there
    expect(acceptedWithoutErrors(instanceOf({ ...valid, slow: 'x' }))).toBe(true);
    // the messages are class-validator's own
    expect(() => validatePayload(Message, { ...valid, workspaceId: 'x'.repeat(9), extra: 1 })).toThrow(
      'invalid Message: extra property extra should not exist; workspaceId workspaceId must be shorter than or equal to 8 characters',
    );
    expect(() => validatePayload(Message, { ...valid, error: { kind: 'fatal', message: 'm', extra: 1 } })).toThrow(/error\.extra property extra should not exist/);
    expect(() => validatePayload(Message, { ...valid, kind: 'api' })).toThrow(/apiKey/);
  });

  it('ensureValid of an instance takes the same path', () => {
    const instance = instanceOf(valid);
    expect(ensureValid(Message, instance)).toBe(instance);
    (instance as unknown as Record<string, unknown>)['extra'] = 1;
    expect(() => ensureValid(Message, instance)).toThrow(/extra should not exist/);
  });
});
