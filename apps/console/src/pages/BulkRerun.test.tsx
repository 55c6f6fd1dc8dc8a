import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signOut } from '../api/session';
import { ApiStub } from '../testing/api-stub';
import { renderRouted } from '../testing/render-routed';
import { BulkRerun } from './BulkRerun';

const api = new ApiStub();
const SINCE = '2026-12-07T11:00:00.000Z';
const rerun = (version: number, fromVersion: number) => ({ at: SINCE, basis: 'latest', version, fromVersion, kept: ['a'], again: ['b'], dropped: [] });

beforeAll(() => api.start());
afterAll(() => api.close());
beforeEach(() => api.reset());
afterEach(() => {
  cleanup();
  act(() => signOut());
});

describe('rerunning a recipe’s failed jobs', () => {
  it('asks first, sends the version and the time range, and shows the version each rerun uses or why not', async () => {
    api.answer('POST', '/v1/jobs/rerun', 200, {
      version: 'latest',
      items: [
        { id: 'job_1', rerun: rerun(3, 2) },
        { id: 'job_2', rerun: rerun(3, 3) },
        { id: 'job_3', error: { code: 'conflict', message: 'the latest version no longer has the failed step' } },
      ],
      nextCursor: 'job_01JEXAMPLE0000000000000003',
    });
    renderRouted(() => <BulkRerun recipeId="rcp_1" recipeName="orders" since={SINCE} />, 'operator');
    fireEvent.change(await screen.findByLabelText('Rerun on'), { target: { value: 'latest' } });
    fireEvent.click(screen.getByRole('button', { name: 'Rerun failed jobs' }));
    expect(screen.getByRole('dialog').textContent).toContain(
      "Rerun the failed jobs of “orders” in this time range (newest first, 50 at most), each from its failed step on the recipe's latest version?",
    );
    expect(api.bodies('POST', '/v1/jobs/rerun')).toEqual([]);
    fireEvent.click(screen.getAllByRole('button', { name: 'Rerun failed jobs' })[1]);

    const reruns = await screen.findByRole('list', { name: 'Reruns' });
    expect(api.bodies('POST', '/v1/jobs/rerun')).toEqual([{ recipeId: 'rcp_1', version: 'latest', since: SINCE }]);
    expect([...reruns.querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      'job_1 rerun on version 3 (ran on 2)',
      'job_2 rerun on version 3',
      'job_3 not rerun: the latest version no longer has the failed step',
    ]);
    expect(screen.getByRole('link', { name: 'job_1' }).getAttribute('href')).toBe('/jobs/job_1');

    // more failed jobs were left: the next batch goes on from the cursor
    fireEvent.click(screen.getByRole('button', { name: 'Rerun the next failed jobs' }));
    await waitFor(() => expect(api.bodies('POST', '/v1/jobs/rerun')).toHaveLength(2));
    expect(api.bodies('POST', '/v1/jobs/rerun')[1]).toEqual({ recipeId: 'rcp_1', version: 'latest', since: SINCE, cursor: 'job_01JEXAMPLE0000000000000003' });
  });

  it('says so when there was nothing to rerun, and shows the API’s problem in words', async () => {
    api.answer('POST', '/v1/jobs/rerun', 200, { version: 'ran', items: [] });
    renderRouted(() => <BulkRerun recipeId="rcp_1" recipeName="orders" />, 'admin');
    fireEvent.click(await screen.findByRole('button', { name: 'Rerun failed jobs' }));
    fireEvent.click(screen.getAllByRole('button', { name: 'Rerun failed jobs' })[1]);
    await screen.findByText('No failed jobs to rerun.');
    expect(api.bodies('POST', '/v1/jobs/rerun')).toEqual([{ recipeId: 'rcp_1', version: 'ran' }]);

    api.answer('POST', '/v1/jobs/rerun', 403, { title: 'Forbidden', detail: 'the role builder may not operate jobs' });
    fireEvent.click(screen.getByRole('button', { name: 'Rerun failed jobs' }));
    fireEvent.click(screen.getAllByRole('button', { name: 'Rerun failed jobs' })[1]);
    expect((await screen.findByRole('alert')).textContent).toBe('the role builder may not operate jobs');
  });
});
