import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signOut } from '../api/session';
import type { Recipe } from '../api/types';
import { ApiStub } from '../testing/api-stub';
import { renderRouted } from '../testing/render-routed';
import { RecipeVersions } from './RecipeVersions';

const api = new ApiStub();
const recipe: Recipe = { id: 'rcp_1', name: 'orders', version: 2, state: 'running', activeVersion: 1, definition: {} };
const JOB_A = 'job_01JEXAMPLE0000000000000001';
const JOB_B = 'job_01JEXAMPLE0000000000000002';
const JOB_C = 'job_01JEXAMPLE0000000000000003';

const report = {
  recipeId: 'rcp_1',
  version: 2,
  summary: { jobs: 3, changed: 2, callsAnew: 1 },
  jobs: [
    {
      jobId: JOB_A,
      steps: [
        { stepKey: 'map', stepId: 'map', change: 'inputChanged', inputDiff: [{ path: 'customer.email', before: 'Ada@Example.com', after: 'ada@example.com' }] },
        {
          stepKey: 'post',
          stepId: 'post',
          change: 'inputChanged',
          served: 'anew',
          inputDiff: [
            { path: 'body.customer.email', before: 'Ada@Example.com', after: 'ada@example.com' },
            { path: 'body.tag', after: 'v2' },
          ],
        },
        { stepKey: 'notify', stepId: 'notify', change: 'removed' },
        { stepKey: 'same', stepId: 'same', change: 'same' },
      ],
      calls: [
        {
          stepKey: 'post',
          stepId: 'post',
          action: 'http.request',
          connection: 'crm',
          input: { method: 'POST', headers: { authorization: '[redacted]' }, body: { customer: { email: 'ada@example.com' } } },
          reason: 'inputChanged',
          continuedWith: 'recorded',
        },
      ],
      output: {
        before: {},
        after: {},
        diff: [
          { path: 'map.customer.email', before: 'Ada@Example.com', after: 'ada@example.com' },
          { path: 'old', before: 1 },
        ],
      },
      status: { before: 'succeeded', after: 'succeeded' },
      approximate: true,
    },
    {
      jobId: JOB_B,
      steps: [],
      calls: [],
      output: { before: {}, after: {}, diff: [] },
      status: { before: 'failed', after: 'error' },
      approximate: false,
      error: 'the trigger type changed',
    },
    {
      jobId: JOB_C,
      steps: [{ stepKey: 'map', stepId: 'map', change: 'same' }],
      calls: [],
      output: { before: {}, after: {}, diff: [] },
      status: { before: 'succeeded', after: 'succeeded' },
      approximate: false,
    },
  ],
};

beforeAll(() => api.start());
afterAll(() => api.close());
beforeEach(() => {
  api.reset();
  api.answer('GET', '/v1/recipes/rcp_1/versions', 200, {
    items: [
      { version: 2, createdAt: '2026-12-07T12:00:00.000Z', active: false },
      { version: 1, createdAt: '2026-12-07T11:00:00.000Z', active: true },
    ],
  });
  api.answer('GET', '/v1/recipes/rcp_1/versions/1', 200, { version: 1, createdAt: '2026-12-07T11:00:00.000Z', active: true, definition: { a: 1 } });
  api.answer('GET', '/v1/recipes/rcp_1/versions/2', 200, { version: 2, createdAt: '2026-12-07T12:00:00.000Z', active: false, definition: { a: 2 } });
  api.answer('POST', '/v1/recipes/rcp_1/replay', 200, report);
});
afterEach(() => {
  cleanup();
  act(() => signOut());
});

const replayForm = () => screen.findByRole('form', { name: 'Replay' });

describe('replaying a version over past jobs (recipe versions)', () => {
  it('sends the version and the newest N jobs, then says nothing was sent and shows per job what would change', async () => {
    renderRouted(() => <RecipeVersions recipe={recipe} />, 'builder');
    const form = await replayForm();
    expect((within(form).getByLabelText('Version to replay') as HTMLSelectElement).value).toBe('2');
    fireEvent.change(within(form).getByLabelText('Newest jobs'), { target: { value: '3' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Replay' }));

    const summary = await screen.findByRole('status');
    expect(summary.textContent).toBe('Nothing was sent: no connection was called and no job was written. Version 2 over 3 jobs: 2 changed, 1 call would be made anew.');
    expect(api.bodies('POST', '/v1/recipes/rcp_1/replay')).toEqual([{ version: 2, jobs: { filter: { limit: 3 } } }]);

    const a = screen.getByRole('listitem', { name: `Job ${JOB_A}` });
    expect(within(a).getByRole('link', { name: JOB_A }).getAttribute('href')).toBe(`/jobs/${JOB_A}`);
    expect(within(a).getByLabelText('Status before and after').textContent).toBe('succeeded → succeeded');
    expect(within(a).getByText('approximate')).toBeTruthy();
    // each changed step with each field path, before and after (a new field has no before); the unchanged step is not listed
    const rows = within(within(a).getByRole('table', { name: `Changed steps of ${JOB_A}` }))
      .getAllByRole('row')
      .slice(1)
      .map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent));
    expect(rows).toEqual([
      ['map', 'input changed', 'customer.email', '"Ada@Example.com"', '"ada@example.com"'],
      ['post (called anew)', 'input changed', 'body.customer.email', '"Ada@Example.com"', '"ada@example.com"'],
      ['post (called anew)', 'input changed', 'body.tag', 'absent', '"v2"'],
      ['notify', 'removed', '—'],
    ]);
    const calls = within(a).getByRole('list', { name: `Calls anew of ${JOB_A}` });
    expect(calls.textContent).toContain('post: http.request on crm, its input changed; the replay went on with the recorded outcome.');
    expect(within(a).getByText('Calls this version would make anew (', { exact: false }).textContent).toContain('not sent');
    expect(within(calls).getByText('(1 value redacted)')).toBeTruthy();
    const output = within(within(a).getByRole('table', { name: `Output changes of ${JOB_A}` }))
      .getAllByRole('row')
      .slice(1)
      .map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent));
    expect(output).toEqual([
      ['map.customer.email', '"Ada@Example.com"', '"ada@example.com"'],
      ['old', '1', 'absent'],
    ]);

    const b = screen.getByRole('listitem', { name: `Job ${JOB_B}` });
    expect(within(b).getByLabelText('Status before and after').textContent).toBe('failed → error');
    expect(within(b).getByText('Could not replay: the trigger type changed')).toBeTruthy();
    const c = screen.getByRole('listitem', { name: `Job ${JOB_C}` });
    expect(within(c).getByText('unchanged')).toBeTruthy();
    expect(within(c).queryByRole('table')).toBeNull();
  });

  it('sends a status, a time range and the version the jobs ran on as the filter', async () => {
    renderRouted(() => <RecipeVersions recipe={recipe} />, 'admin');
    const form = await replayForm();
    fireEvent.change(within(form).getByLabelText('Version to replay'), { target: { value: '1' } });
    fireEvent.change(within(form).getByLabelText('Status'), { target: { value: 'failed' } });
    fireEvent.change(within(form).getByLabelText('Created'), { target: { value: '24h' } });
    fireEvent.change(within(form).getByLabelText('Ran on'), { target: { value: '2' } });
    const before = Date.now();
    fireEvent.click(within(form).getByRole('button', { name: 'Replay' }));
    await waitFor(() => expect(api.bodies('POST', '/v1/recipes/rcp_1/replay')).toHaveLength(1));
    const body = api.bodies('POST', '/v1/recipes/rcp_1/replay')[0] as { version: number; jobs: { filter: { since: string } } };
    expect(body).toEqual({ version: 1, jobs: { filter: { limit: 20, status: 'failed', version: 2, since: expect.any(String) } } });
    const since = Date.parse(body.jobs.filter.since);
    expect(since).toBeGreaterThanOrEqual(before - 86_400_000 - 1000);
    expect(since).toBeLessThanOrEqual(Date.now() - 86_400_000 + 1000);
  });

  it('shows the API’s problem in words, and an empty match as such', async () => {
    api.answer('POST', '/v1/recipes/rcp_1/replay', 404, { title: 'Not Found', detail: 'version 9 of the recipe does not exist' });
    renderRouted(() => <RecipeVersions recipe={recipe} />, 'builder');
    fireEvent.click(within(await replayForm()).getByRole('button', { name: 'Replay' }));
    expect((await screen.findByRole('alert')).textContent).toBe('version 9 of the recipe does not exist');
    api.answer('POST', '/v1/recipes/rcp_1/replay', 200, { recipeId: 'rcp_1', version: 2, summary: { jobs: 0, changed: 0, callsAnew: 0 }, jobs: [] });
    fireEvent.click(within(await replayForm()).getByRole('button', { name: 'Replay' }));
    expect(await screen.findByText('No jobs match.')).toBeTruthy();
  });

  it('an operator or an auditor sees the versions but no replay control', async () => {
    for (const role of ['operator', 'auditor'] as const) {
      renderRouted(() => <RecipeVersions recipe={recipe} />, role);
      await screen.findByRole('table', { name: 'Versions' });
      await screen.findByLabelText('Changes from version 1 to version 2');
      expect(screen.queryByRole('form', { name: 'Replay' })).toBeNull();
      expect(screen.queryByRole('button', { name: 'Replay' })).toBeNull();
      expect(screen.queryByRole('heading', { name: 'Replay' })).toBeNull();
      cleanup();
    }
  });
});
