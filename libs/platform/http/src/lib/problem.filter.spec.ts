import { HttpException } from '@nestjs/common';
import { Problems } from './problem';
import { MAX_LISTED_ERRORS, problemOf, problemResponse } from './problem.filter';
import { verifyUtf8Body } from './request-body';

const clientError = (message: string, fields: Record<string, unknown>) => Object.assign(new Error(message), fields);

describe('problemOf: errors a client caused are 4xx', () => {
  it('maps a body that does not decompress (zlib or brotli errno) to a 400 malformed-body', () => {
    for (const errno of [-3, -15]) {
      const { problem } = problemOf(clientError('incorrect header check', { status: 400, statusCode: 400, expose: true, errno }));
      expect(problem).toMatchObject({ status: 400, type: expect.stringContaining('malformed-body'), detail: expect.stringContaining('Content-Encoding') });
    }
  });

  it('keeps the status of any other exposed 4xx error of the Express layer', () => {
    expect(problemOf(clientError('Failed to decode param', { status: 400, expose: true })).problem).toMatchObject({ status: 400, detail: 'Failed to decode param' });
    expect(problemOf(clientError('too many parameters', { statusCode: 413, expose: true })).problem).toMatchObject({ status: 413 });
  });

  it('does not take a status from an error that does not say it may be shown', () => {
    expect(problemOf(clientError('db says no', { status: 400 })).problem.status).toBe(500);
    expect(problemOf(clientError('upstream', { status: 502, expose: true })).problem.status).toBe(500);
    expect(problemOf(new HttpException('teapot', 418)).problem.status).toBe(418);
  });

  it('answers a JSON body that is not UTF-8 with 400, not a decoded body with U+FFFD in it', () => {
    const body = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    let thrown: unknown;
    try {
      verifyUtf8Body({ headers: { 'content-type': 'application/json; charset=utf-8' } } as never, undefined, body);
    } catch (error) {
      thrown = error;
    }
    expect(problemOf(thrown).problem).toMatchObject({ status: 400, detail: expect.stringContaining('UTF-8') });
    expect(() => verifyUtf8Body({ headers: {} } as never, undefined, Buffer.from('{"name":"café"}'))).not.toThrow();
    let utf16: unknown;
    try {
      verifyUtf8Body({ headers: { 'content-type': 'application/json; charset="UTF-16"' } } as never, undefined, Buffer.from('{}', 'utf16le'));
    } catch (error) {
      utf16 = error;
    }
    expect(problemOf(utf16).problem).toMatchObject({ status: 415 });
  });

  it('lists at most MAX_LISTED_ERRORS field errors and says how many there were', () => {
    const errors = Array.from({ length: 5000 }, (_, i) => ({ path: `k${i}`, message: 'should not exist' }));
    const { status, body } = problemResponse(Problems.validation(errors), 'POST', '/v1/x?secret=1');
    const parsed = JSON.parse(body) as { errors: unknown[]; errorCount: number };
    expect(status).toBe(400);
    expect(parsed.errors).toHaveLength(MAX_LISTED_ERRORS);
    expect(parsed.errorCount).toBe(5000);
    expect(body.length).toBeLessThan(10_000);
  });
});
