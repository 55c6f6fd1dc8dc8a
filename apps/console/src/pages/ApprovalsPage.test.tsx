import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createMemoryHistory, createRootRoute, createRoute, createRouter, Outlet, RouterProvider } from '@tanstack/react-router';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalFilters } from '../api/approvals';
import { signIn, signOut, type Me } from '../api/session';
import { ApiStub } from '../testing/api-stub';
import { ApprovalsPage } from './ApprovalsPage';

const api = new ApiStub();
const PENDING = 'apr_01JEXAMPLE0000000000000001';
const OTHER = 'apr_01JEXAMPLE0000000000000002';
const DECIDED = 'apr_01JEXAMPLE0000000000000003';
const BY_LINK = 'apr_01JEXAMPLE0000000000000004';
const CANCELLED = 'apr_01JEXAMPLE0000000000000005';
const approval = (id: string, fields: Record<string, unknown> = {}) => ({
  id,
  jobId: `job_${id.slice(-1)}`,
  recipeId: 'rcp_1',
  stepId: 'manager',
  stepKey: 'manager',
  title: 'Refund 40 EUR to ada?',
  description: 'Order 1001',
  state: 'pending',
  createdAt: '2026-12-07T12:00:00.000Z',
  expiresAt: '2026-12-09T12:00:00.000Z',
  ...fields,
});

/** The page under a router of its own (the console's route and search params), signed in with a role. */
async function showPage(role: Me['role'], path = '/approvals') {
  act(() => signIn('jk_test_key', { workspaceId: 'ws_1', role, kind: 'api_key', id: 'key_1' }));
  const root = createRootRoute({ component: Outlet });
  const route = createRoute({
    getParentRoute: () => root,
    path: '/approvals',
    validateSearch: (s: Record<string, unknown>): ApprovalFilters => ({ state: s['state'] as string | undefined, cursor: s['cursor'] as string | undefined }),
    component: ApprovalsPage,
  });
  const router = createRouter({ routeTree: root.addChildren([route]), history: createMemoryHistory({ initialEntries: [path] }) });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <RouterProvider router={router as never} />
    </QueryClientProvider>,
  );
  await screen.findByRole('heading', { name: 'Approvals' });
  return router;
}

const rowOf = async (text: string) => (await screen.findByText(text)).closest('tr') as HTMLElement;

beforeAll(() => api.start());
afterAll(() => api.close());
beforeEach(() => {
  api.reset();
  api.answer('GET', '/v1/recipes', 200, { items: [{ id: 'rcp_1', name: 'refunds', state: 'running', version: 1, definition: {} }] });
  api.answer('GET', '/v1/approvals', 200, {
    items: [approval(PENDING), approval(OTHER, { title: 'Refund 900 EUR to bob?', description: undefined })],
    nextCursor: OTHER,
  });
});
afterEach(() => {
  cleanup();
  act(() => signOut());
});

describe('the approvals page', () => {
  it('lists the pending approvals with title, description, job link, recipe and expiry; asks the API for pending ones by default', async () => {
    await showPage('operator');
    const row = await rowOf('Refund 40 EUR to ada?');
    expect(within(row).getByText('Order 1001')).toBeTruthy();
    expect(within(row).getByRole('link', { name: 'job_1' }).getAttribute('href')).toBe('/jobs/job_1');
    expect(await within(row).findByText('refunds')).toBeTruthy();
    expect(within(row).getByText(new Date('2026-12-09T12:00:00.000Z').toLocaleString())).toBeTruthy();
    expect(within(row).getByText('pending')).toBeTruthy();
    expect(api.queries('GET', '/v1/approvals')).toEqual(['limit=50&state=pending']);
    expect(screen.getByRole('link', { name: 'Next page' }).getAttribute('href')).toContain(`cursor=${OTHER}`);
  });

  it('approves after a confirmation that takes a comment, and Cancel decides nothing', async () => {
    api.answer('POST', `/v1/approvals/${PENDING}/decision`, 200, approval(PENDING, { state: 'decided', decision: 'approved', comment: 'ok by finance' }));
    await showPage('operator');
    const row = await rowOf('Refund 40 EUR to ada?');
    fireEvent.click(within(row).getByRole('button', { name: 'Approve' }));
    let dialog = screen.getByRole('dialog');
    expect(dialog.textContent).toContain('Approve “Refund 40 EUR to ada?”?');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(api.bodies('POST', `/v1/approvals/${PENDING}/decision`)).toEqual([]);

    fireEvent.click(within(row).getByRole('button', { name: 'Approve' }));
    dialog = screen.getByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('Comment (optional)'), { target: { value: '  ok by finance ' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Approve' }));
    expect((await screen.findByRole('status')).textContent).toBe('Approved: Refund 40 EUR to ada?');
    expect(api.bodies('POST', `/v1/approvals/${PENDING}/decision`)).toEqual([{ decision: 'approve', comment: 'ok by finance' }]);
    // the list is read again after a decision
    await waitFor(() => expect(api.queries('GET', '/v1/approvals')).toHaveLength(2));
  });

  it('rejects without a comment; a decision made elsewhere meanwhile is the API’s 409 in words', async () => {
    api.answer('POST', `/v1/approvals/${OTHER}/decision`, 409, { title: 'Conflict', detail: 'the approval was already decided (approved)' });
    await showPage('admin');
    const row = await rowOf('Refund 900 EUR to bob?');
    fireEvent.click(within(row).getByRole('button', { name: 'Reject' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Reject' }));
    expect((await screen.findByRole('alert')).textContent).toBe('the approval was already decided (approved)');
    expect(api.bodies('POST', `/v1/approvals/${OTHER}/decision`)).toEqual([{ decision: 'reject' }]);
  });

  it('shows decided ones with the decision, who decided, when, and the comment (a cancelled job’s one as such); no controls on them', async () => {
    api.answer('GET', '/v1/approvals', 200, {
      items: [
        approval(DECIDED, {
          state: 'decided',
          decision: 'rejected',
          comment: 'not this month',
          decidedBy: { type: 'api_key', id: 'key_7' },
          decidedAt: '2026-12-07T13:00:00.000Z',
        }),
        approval(BY_LINK, {
          title: 'Via link',
          state: 'decided',
          decision: 'approved',
          decidedBy: { type: 'service', id: 'approval-link' },
          decidedAt: '2026-12-07T13:05:00.000Z',
        }),
        approval(CANCELLED, { title: 'Never answered', state: 'cancelled', cancelledAt: '2026-12-07T13:10:00.000Z' }),
      ],
    });
    await showPage('operator');
    fireEvent.change(screen.getByLabelText('State'), { target: { value: 'decided' } });
    await waitFor(() => expect(api.queries('GET', '/v1/approvals').at(-1)).toBe('limit=50&state=decided'));
    const row = await rowOf('not this month');
    expect(within(row).getByText('rejected')).toBeTruthy();
    expect(within(row).getByText('api_key:key_7')).toBeTruthy();
    expect(within(row).getByText(new Date('2026-12-07T13:00:00.000Z').toLocaleString())).toBeTruthy();
    expect(within(await rowOf('Via link')).getByText('a signed link')).toBeTruthy();
    expect((await rowOf('Never answered')).textContent).toContain(`cancelled job cancelled ${new Date('2026-12-07T13:10:00.000Z').toLocaleString()}`);
    expect(screen.queryByRole('button', { name: /Approve|Reject/ })).toBeNull();
    expect(screen.queryByRole('columnheader', { name: 'Decide' })).toBeNull();
    fireEvent.change(screen.getByLabelText('State'), { target: { value: 'all' } });
    await waitFor(() => expect(api.queries('GET', '/v1/approvals').at(-1)).toBe('limit=50'));
  });

  it('an auditor (and a builder) sees the approvals but no approve or reject control', async () => {
    for (const role of ['auditor', 'builder'] as const) {
      await showPage(role);
      await rowOf('Refund 40 EUR to ada?');
      expect(screen.queryByRole('button')).toBeNull();
      expect(screen.queryByRole('columnheader', { name: 'Decide' })).toBeNull();
      cleanup();
    }
  });

  it('says when nothing waits, and shows the API’s problem in words', async () => {
    api.answer('GET', '/v1/approvals', 200, { items: [] });
    await showPage('operator');
    expect(await screen.findByText('No approvals are waiting.')).toBeTruthy();
    cleanup();
    api.answer('GET', '/v1/approvals', 503, { title: 'Service Unavailable', detail: 'the executor did not answer in time' });
    await showPage('operator');
    expect((await screen.findByRole('alert')).textContent).toBe('the executor did not answer in time');
  });
});
