import { DeadlineExceededError, RemoteError } from '@junction/platform/ports';

/**
 * A call to another service made while answering a request: if that service is down or slow the
 * caller gets `unavailable` (HTTP 503, try again), not an internal error.
 */
export async function dependencyCall<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof DeadlineExceededError) throw new RemoteError('unavailable', error.message);
    throw error;
  }
}
