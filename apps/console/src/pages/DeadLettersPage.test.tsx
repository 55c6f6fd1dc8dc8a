import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createMemoryHistory, createRootRoute, createRoute, createRouter, Outlet, RouterProvider } from '@tanstack/react-router';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeadLetterFilters } from '../api/dead-letters';
import { signIn, signOut, type Me } from '../api/session';
import { ApiStub } from '../testing/api-stub';
import { DeadLettersPage } from './DeadLettersPage';

const api = new ApiStub();
const LETTER_A = 'dlq_01JEXAMPLE0000000000000001';
const LETTER_B = 'dlq_01JEXAMPLE0000000000000002';
const REDRIVEN = 'dlq_01JEXAMPLE0000000000000003';
const letter = (id: string, fields: Record<string, unknown> = {}) => ({
  id,
  recipeId: 'rcp_1',
  source: 'trigger',
  reason: 'max_deliveries',
  detail: 'insert into jobs failed',
  deliveryCount: 3,
  createdAt: '2026-12-07T12:00:00.000Z',
  state: 'dead',
  ...fields,
});

/** The page under a router of its own (the console's route with the same search params), signed in with a role. */
async function showPage(role: Me['role'], path = '/dead-letters') {
  act(() => signIn('jk_test_key', { workspaceId: 'ws_1', role, kind: 'api_key', id: 'key_1' }));
  const root = createRootRoute({ component: Outlet });
  const route = createRoute({
    getParentRoute: () => root,
    path: '/dead-letters',
    validateSearch: (s: Record<string, unknown>): DeadLetterFilters => ({
      recipeId: s['recipeId'] as string | undefined,
      reason: s['reason'] as string | undefined,
      state: s['state'] as string | undefined,
      cursor: s['cursor'] as string | undefined,
    }),
    component: DeadLettersPage,
  });
  const router = createRouter({ routeTree: root.addChildren([route]), history: createMemoryHistory({ initialEntries: [path] }) });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <RouterProvider router={router as never} />
    </QueryClientProvider>,
  );
  await screen.findByRole('heading', { name: 'Dead letters' });
  return router;
}

beforeAll(() => api.start());
afterAll(() => api.close());
beforeEach(() => {
  api.reset();
  api.answer('GET', '/v1/recipes', 200, { items: [{ id: 'rcp_1', name: 'orders', state: 'running', version: 1, definition: {} }] });
  api.answer('GET', '/v1/dead-letters', 200, {
    items: [letter(LETTER_A), letter(LETTER_B, { reason: 'invalid', detail: 'receivedAt must be an ISO 8601 instant' }), letter(REDRIVEN, { state: 'redriven', jobId: 'job_9' })],
    nextCursor: LETTER_B,
  });
});
afterEach(() => {
  cleanup();
  act(() => signOut());
});

describe('the dead letters page', () => {
  it('lists each letter with its recipe, reason in words and deliveries; only letters not yet redriven can be selected', async () => {
    await showPage('operator');
    const row = (await screen.findByText(LETTER_A)).closest('tr') as HTMLElement;
    expect(await within(row).findByText('orders')).toBeTruthy();
    expect(within(row).getByText('Every delivery failed')).toBeTruthy();
    expect(within(row).getByText('3')).toBeTruthy();
    expect(within(screen.getByText(LETTER_B).closest('tr') as HTMLElement).getByText('Invalid event')).toBeTruthy();
    expect((screen.getByLabelText(`Select ${REDRIVEN}`) as HTMLInputElement).disabled).toBe(true);
    expect(within(screen.getByText(REDRIVEN).closest('tr') as HTMLElement).getByRole('link', { name: 'job_9' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Next page' }).getAttribute('href')).toContain(`cursor=${LETTER_B}`);
  });

  it('redrives the selected letters after a confirmation and says per letter what happened', async () => {
    api.answer('POST', '/v1/dead-letters/redrive', 200, {
      items: [
        { id: LETTER_A, jobId: 'job_1', outcome: 'created' },
        { id: LETTER_B, error: { code: 'recipe_not_running', message: 'the recipe is stopped: start it, then redrive again' } },
      ],
    });
    await showPage('operator');
    const redrive = await screen.findByRole('button', { name: 'Redrive selected (0)' });
    expect((redrive as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(await screen.findByLabelText(`Select ${LETTER_A}`));
    fireEvent.click(screen.getByLabelText(`Select ${LETTER_B}`));
    fireEvent.click(screen.getByRole('button', { name: 'Redrive selected (2)' }));
    expect(api.bodies('POST', '/v1/dead-letters/redrive')).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Redrive' }));
    const outcomes = await screen.findByRole('status', { name: 'Redrive outcomes' });
    expect(api.bodies('POST', '/v1/dead-letters/redrive')).toEqual([{ ids: [LETTER_A, LETTER_B] }]);
    expect(within(outcomes).getByRole('link', { name: 'job_1' })).toBeTruthy();
    expect(outcomes.textContent).toContain(`${LETTER_B} not redriven: the recipe is stopped: start it, then redrive again`);
  });

  it('sends the filters to the API and starts again from the first page', async () => {
    await showPage('auditor', `/dead-letters?cursor=${LETTER_B}`);
    await screen.findByText(LETTER_A);
    fireEvent.change(screen.getByLabelText('Reason'), { target: { value: 'invalid' } });
    await waitFor(() => expect(api.queries('GET', '/v1/dead-letters').at(-1)).toBe('limit=50&reason=invalid'));
    expect(api.queries('GET', '/v1/dead-letters')[0]).toBe(`limit=50&cursor=${LETTER_B}`);
  });

  it('an auditor sees the letters but no selection or redrive control', async () => {
    await showPage('auditor');
    await screen.findByText(LETTER_A);
    expect(screen.queryByRole('checkbox')).toBeNull();
    expect(screen.queryByRole('button', { name: /^Redrive/ })).toBeNull();
  });

  it('shows the API’s problem in words', async () => {
    api.answer('GET', '/v1/dead-letters', 503, { title: 'Service Unavailable', detail: 'the executor did not answer in time' });
    await showPage('operator');
    expect((await screen.findByRole('alert')).textContent).toBe('the executor did not answer in time');
  });
});
