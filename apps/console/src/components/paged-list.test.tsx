import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createMemoryHistory, createRootRoute, createRoute, createRouter, Outlet, RouterProvider } from '@tanstack/react-router';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useJobs, type JobFilters } from '../api/jobs';
import { signIn, signOut } from '../api/session';
import type { JobSummary } from '../api/types';
import { ApiStub } from '../testing/api-stub';
import { usePagedList } from './paged-list';

const api = new ApiStub();
let filterChanges = 0;

/** The least a page does with the hook: its list, two filter controls and the pager. */
function JobIds() {
  const { search, list, filter, pager } = usePagedList<JobFilters, JobSummary>('/jobs', useJobs, () => (filterChanges += 1));
  return (
    <div>
      <output aria-label="Search">{JSON.stringify(search)}</output>
      <button type="button" onClick={() => filter({ status: 'failed' })}>
        Failed only
      </button>
      <button type="button" onClick={() => filter({ status: undefined })}>
        Any status
      </button>
      {list.isPending ? <p>Loading</p> : list.error ? <p role="alert">{String(list.error)}</p> : list.data.items.map((job) => <p key={job.id}>{job.id}</p>)}
      {pager}
    </div>
  );
}

async function show(path: string) {
  act(() => signIn('jk_test_key', { workspaceId: 'ws_1', role: 'auditor', kind: 'api_key', id: 'key_1' }));
  const root = createRootRoute({ component: Outlet });
  const route = createRoute({
    getParentRoute: () => root,
    path: '/jobs',
    validateSearch: (s: Record<string, unknown>): JobFilters => ({
      recipeId: s['recipeId'] as string | undefined,
      status: s['status'] as string | undefined,
      range: s['range'] as string | undefined,
      cursor: s['cursor'] as string | undefined,
    }),
    component: JobIds,
  });
  const router = createRouter({ routeTree: root.addChildren([route]), history: createMemoryHistory({ initialEntries: [path] }) });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <RouterProvider router={router as never} />
    </QueryClientProvider>,
  );
  await screen.findByText('job_1');
  return router;
}

const searchShown = () => JSON.parse(screen.getByLabelText('Search').textContent ?? '{}') as JobFilters;

beforeAll(() => api.start());
afterAll(() => api.close());
beforeEach(() => {
  api.reset();
  filterChanges = 0;
  api.answer('GET', '/v1/jobs', 200, { items: [{ id: 'job_1', recipeId: 'rcp_1', recipeVersion: 1, status: 'failed', createdAt: '2026-12-07T12:00:00.000Z' }], nextCursor: 'c_2' });
});
afterEach(() => {
  cleanup();
  act(() => signOut());
});

describe('usePagedList', () => {
  it('reads the page the URL names, with its filters and cursor', async () => {
    await show('/jobs?recipeId=rcp_1&cursor=c_1');
    expect(searchShown()).toEqual({ recipeId: 'rcp_1', cursor: 'c_1' });
    expect(api.queries('GET', '/v1/jobs')).toEqual(['limit=50&recipeId=rcp_1&cursor=c_1']);
  });

  it('the pager keeps the filters: Next page moves the cursor to the answer’s, First page drops it; no First page on the first page', async () => {
    await show('/jobs?recipeId=rcp_1&cursor=c_1');
    const next = new URL(screen.getByRole('link', { name: 'Next page' }).getAttribute('href') ?? '', 'http://x');
    expect(Object.fromEntries(next.searchParams)).toEqual({ recipeId: 'rcp_1', cursor: 'c_2' });
    const first = new URL(screen.getByRole('link', { name: 'First page' }).getAttribute('href') ?? '', 'http://x');
    expect(Object.fromEntries(first.searchParams)).toEqual({ recipeId: 'rcp_1' });
    cleanup();
    api.answer('GET', '/v1/jobs', 200, { items: [{ id: 'job_1', recipeId: 'rcp_1', recipeVersion: 1, status: 'failed', createdAt: '2026-12-07T12:00:00.000Z' }] });
    await show('/jobs');
    expect(screen.queryByRole('link', { name: 'First page' })).toBeNull();
    expect(screen.queryByRole('link', { name: 'Next page' })).toBeNull();
  });

  it('a filter change keeps the other filters, starts from the first page and calls onFilter first', async () => {
    const router = await show('/jobs?recipeId=rcp_1&cursor=c_1');
    fireEvent.click(screen.getByRole('button', { name: 'Failed only' }));
    await waitFor(() => expect(searchShown()).toEqual({ recipeId: 'rcp_1', status: 'failed' }));
    expect(router.state.location.search).toEqual({ recipeId: 'rcp_1', status: 'failed' });
    expect(filterChanges).toBe(1);
    await waitFor(() => expect(api.queries('GET', '/v1/jobs').at(-1)).toBe('limit=50&recipeId=rcp_1&status=failed'));
    fireEvent.click(screen.getByRole('button', { name: 'Any status' }));
    await waitFor(() => expect(searchShown()).toEqual({ recipeId: 'rcp_1' }));
    expect(filterChanges).toBe(2);
  });
});
