import { LookupConnectionConnectors, ReadCredentials } from '@junction/auth/contracts';
import { FakeThirdParty } from '@junction/connector-sdk/testing';
import { waitFor } from '@junction/shared/testing';
import { ExecutorCluster, postTo } from './executor-harness';

const WS = 'ws_01JF8Z5Q3V7X9B2C4D6E8G0H3P';
const GITHUB = 'conn_01JF8Z5Q3V7X9B2C4D6E8G0H4Q';

/**
 * Provider rate limits through the running executor and connectors service: GitHub's 403 with the
 * quota spent or a secondary-limit message is a rate limit, so the step waits until the provider's
 * reset (or its Retry-After) and then succeeds, instead of failing as refused credentials. The
 * sink plays GitHub; the test's bus plays the vault for one GitHub connection bound to the sink.
 */
describe('executor: provider rate-limit signals', () => {
  const cluster = new ExecutorCluster(new FakeThirdParty(), { EXECUTOR_SWEEP_INTERVAL_MS: '300', EXECUTOR_OVERDUE_GRACE_MS: '0' });

  beforeAll(async () => {
    await cluster.start();
    await cluster.bus.serve(LookupConnectionConnectors, async () => ({ connections: [{ id: GITHUB, connector: 'github' }] }));
    await cluster.bus.serve(ReadCredentials, async () => ({ connectionId: GITHUB, connector: 'github', credentials: { token: 'ghp_e2e', allowedHosts: cluster.sink.url } }));
  }, 90_000);
  afterAll(() => cluster.close(), 60_000);

  async function runToEnd(
    path: string,
    step: Record<string, unknown> = postTo(cluster.sink.url, path, { a: 1 }),
  ): Promise<{ job: { id: string; status: string }; steps: Awaited<ReturnType<typeof cluster.stepsOf>> }> {
    const recipe = await cluster.runningRecipe(WS, { name: path, trigger: { type: 'webhook' }, steps: [{ id: 'call', ...step }] });
    await cluster.publish(recipe, WS, 'only', {});
    let job: { id: string; status: string } | undefined;
    await waitFor(
      async () => {
        [job] = await cluster.jobsOf(recipe.id);
        return job !== undefined && !['queued', 'running'].includes(job.status);
      },
      45_000,
      200,
    );
    return { job: job as { id: string; status: string }, steps: await cluster.stepsOf((job as { id: string }).id) };
  }

  const getUser = (login: string) => ({ action: 'github.get_user', connection: GITHUB, input: { baseUrl: cluster.sink.url, login } });

  it('retries GitHub’s primary limit (403, x-ratelimit-remaining: 0) no earlier than x-ratelimit-reset, then succeeds', async () => {
    let resetAt = 0;
    let calls = 0;
    cluster.sink.on('GET', '/users/primary', () => {
      calls += 1;
      if (calls > 1) return { status: 200, json: { login: 'primary', id: 1 } };
      resetAt = Math.ceil(Date.now() / 1000) + 2;
      return {
        status: 403,
        headers: { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(resetAt), 'x-ratelimit-resource': 'core' },
        json: { message: 'API rate limit exceeded for user ID 1.' },
      };
    });
    const { job, steps } = await runToEnd('/users/primary', getUser('primary'));
    expect(job.status).toBe('succeeded');
    expect(steps.map((s) => [s.status, s.attempt])).toEqual([
      ['retrying', 1],
      ['succeeded', 2],
    ]);
    expect(steps[0].error).toMatchObject({ kind: 'rate_limited' });
    expect(steps[1].output).toMatchObject({ login: 'primary' });
    const [first, second] = cluster.sink.requestsTo('/users/primary');
    expect(first.headers.authorization).toBe('Bearer ghp_e2e');
    expect(second.at).toBeGreaterThanOrEqual(resetAt * 1000);
    expect(second.at - first.at).toBeGreaterThanOrEqual(1000);
  }, 60_000);

  it('retries GitHub’s secondary limit (403 with the message, quota left) after its Retry-After, then succeeds', async () => {
    cluster.sink.on('GET', '/users/secondary', [
      {
        status: 403,
        headers: { 'retry-after': '2', 'x-ratelimit-remaining': '4990', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3000) },
        json: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
      },
      { status: 200, json: { login: 'secondary', id: 2 } },
    ]);
    const { job, steps } = await runToEnd('/users/secondary', getUser('secondary'));
    expect(job.status).toBe('succeeded');
    expect(steps.map((s) => [s.status, s.attempt])).toEqual([
      ['retrying', 1],
      ['succeeded', 2],
    ]);
    expect(steps[0].error).toMatchObject({ kind: 'rate_limited', message: expect.stringMatching(/secondary rate limit/) });
    const [first, second] = cluster.sink.requestsTo('/users/secondary');
    // Retry-After, not the primary reset fifty minutes away
    expect(second.at - first.at).toBeGreaterThanOrEqual(2000);
    expect(second.at - first.at).toBeLessThan(30_000);
  }, 60_000);

  it('gives a 429 without Retry-After the wait of its RateLimit-Reset (seconds from now)', async () => {
    cluster.sink.on('POST', '/reset-delta', [
      { status: 429, headers: { 'ratelimit-limit': '10', 'ratelimit-remaining': '0', 'ratelimit-reset': '3' }, json: { error: 'slow down' } },
      { status: 200, json: { ok: true } },
    ]);
    const { job, steps } = await runToEnd('/reset-delta');
    expect(job.status).toBe('succeeded');
    expect(steps.map((s) => [s.status, s.attempt])).toEqual([
      ['retrying', 1],
      ['succeeded', 2],
    ]);
    const [first, second] = cluster.sink.requestsTo('/reset-delta');
    // the ordinary backoff after attempt 1 is below 500 ms: three seconds can only be the provider's word
    expect(second.at - first.at).toBeGreaterThanOrEqual(3000);
  }, 60_000);

  it('still fails at once on a 403 with quota left (refused credentials are not retried)', async () => {
    cluster.sink.on('POST', '/forbidden', { status: 403, headers: { 'x-ratelimit-remaining': '4999' }, json: { message: 'Resource not accessible' } });
    const { job, steps } = await runToEnd('/forbidden');
    expect(job.status).toBe('failed');
    expect(steps.map((s) => [s.status, s.attempt])).toEqual([['failed', 1]]);
    expect(steps[0].error).toMatchObject({ kind: 'auth' });
    expect(cluster.sink.requestsTo('/forbidden')).toHaveLength(1);
  }, 60_000);
});
