import { ConnectionLostError, DeadlineExceededError, isServerUnavailable } from './errors';

describe('isServerUnavailable', () => {
  it('recognises a server going away: socket errors, Postgres shutdown codes, wrapped by TypeORM or in an AggregateError', () => {
    expect(isServerUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isServerUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isServerUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isServerUnavailable(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(true);
    expect(isServerUnavailable({ message: 'query failed', driverError: { code: '08006' } })).toBe(true);
    expect(isServerUnavailable(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]))).toBe(true);
  });

  it('does not mistake a bad request or a bug for an outage', () => {
    expect(isServerUnavailable(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }))).toBe(false);
    expect(isServerUnavailable(new TypeError('cannot read properties of undefined'))).toBe(false);
    expect(isServerUnavailable(undefined)).toBe(false);
    expect(isServerUnavailable('ECONNREFUSED')).toBe(false);
  });
});

describe('ConnectionLostError', () => {
  it('is a deadline (every caller that retries a deadline retries it) with its own name', () => {
    const error = new ConnectionLostError('connectors.invoke.v1', 120_000);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error.name).toBe('ConnectionLostError');
    expect(error.noResponders).toBe(false);
    expect(error.message).toContain('connectors.invoke.v1');
  });
});
