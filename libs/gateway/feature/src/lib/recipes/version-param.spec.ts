import { ProblemException } from '@junction/platform/http';
import { VersionPipe } from './version-param';

describe('VersionPipe (the :v of /v1/recipes/:id/versions/:v)', () => {
  const pipe = new VersionPipe();
  const statusOf = (value: unknown): number => {
    try {
      pipe.transform(value);
      return 200;
    } catch (error) {
      return error instanceof ProblemException ? error.getStatus() : 500;
    }
  };

  it.each([
    ['1', 1],
    ['42', 42],
    [7, 7],
    ['2147483647', 2147483647],
  ])('takes %p as version %p', (value, expected) => {
    expect(pipe.transform(value)).toBe(expected);
  });

  it.each(['0', '-1', 'x', '1.5', '2147483648', '99999999999', '', ' 1', NaN, 1.5, 0, undefined])('refuses %p with a 400 naming v', (value) => {
    expect(statusOf(value)).toBe(400);
  });
});
