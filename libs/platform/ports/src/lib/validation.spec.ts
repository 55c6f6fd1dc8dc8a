import { Allow, IsObject, IsString } from 'class-validator';
import { InvalidMessageError, Opaque, validatePayload } from './validation';

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
