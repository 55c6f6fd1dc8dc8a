import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobStep } from '../api/types';
import { Timeline } from './StepTimeline';

const at = (seconds: number) => new Date(Date.UTC(2026, 11, 7, 12, 0, seconds)).toISOString();

function step(seq: number, stepKey: string, fields: Partial<JobStep>): JobStep {
  return { seq, stepId: stepKey, stepKey, kind: 'action', status: 'succeeded', startedAt: at(seq), finishedAt: at(seq), durationMs: 12, ...fields };
}

/** The timeline entry of a step's record, by its position (a step retried has several). */
const entry = (n: number) => screen.getAllByRole('listitem').filter((li) => li.parentElement?.getAttribute('aria-label') === 'Step timeline')[n];

afterEach(cleanup);

describe('the job step timeline', () => {
  it("names each step's kind, status, attempt and duration in the order the steps ran", () => {
    render(
      <Timeline
        steps={[
          step(1, 'shape', { kind: 'set', durationMs: 3 }),
          step(2, 'post', { kind: 'action', status: 'failed', attempt: 2, durationMs: 1500, error: { kind: 'fatal', message: 'boom' } }),
        ]}
      />,
    );
    const timeline = screen.getByRole('list', { name: 'Step timeline' });
    expect(timeline.tagName).toBe('OL');
    expect(entry(0).textContent).toContain('shape');
    expect(entry(0).textContent).toContain('set');
    expect(entry(0).textContent).toContain('succeeded');
    expect(entry(0).textContent).toContain('attempt 1');
    expect(entry(0).textContent).toContain('3 ms');
    expect(entry(1).textContent).toContain('failed');
    expect(entry(1).textContent).toContain('attempt 2');
    expect(entry(1).textContent).toContain('1.5 s');
    // the start in the reader's zone, UTC on hover
    expect(
      within(entry(0))
        .getByText((_, el) => el?.tagName === 'TIME')
        .getAttribute('title'),
    ).toBe(at(1));
  });

  it("shows a Retry-After wait with the time until the next attempt, and an open circuit's wait still pending", () => {
    render(
      <Timeline
        steps={[
          step(1, 'limited', { status: 'retrying', finishedAt: at(1), error: { kind: 'rate_limited', message: 'HTTP 429', retryAfterMs: 2000 } }),
          step(2, 'limited', { status: 'succeeded', attempt: 2, startedAt: at(3), output: { stored: true } }),
          step(3, 'guarded', { status: 'deferred', error: { kind: 'circuit_open', message: 'the circuit of api.example is open' } }),
        ]}
      />,
    );
    expect(within(entry(0)).getByText('Rate limited (Retry-After): waited 2.0 s before the next attempt (the third party asked for 2.0 s)')).toBeTruthy();
    expect(within(entry(1)).queryByText(/waited/)).toBeNull();
    expect(within(entry(2)).getByText('Circuit open: waiting for the next attempt')).toBeTruthy();
    expect(within(entry(2)).getByText('the circuit of api.example is open')).toBeTruthy();
  });

  it("shows a failed call's error with the third party's status and body", () => {
    render(
      <Timeline
        steps={[
          step(1, 'refused', {
            status: 'failed',
            error: { kind: 'fatal', message: 'HTTP 400 from api.example', details: { status: 400, responseBody: { error: 'order_invalid', detail: 'the total is negative' } } },
          }),
        ]}
      />,
    );
    expect(within(entry(0)).getByText('HTTP 400 from api.example')).toBeTruthy();
    const response = within(entry(0)).getByText("Third party's response (HTTP 400)");
    expect(response.closest('details')?.textContent).toContain('the total is negative');
  });

  it('says what an uncertain step means and what to do about it', () => {
    render(<Timeline steps={[step(1, 'charge', { status: 'uncertain', error: { kind: 'uncertain', message: 'acme.charge was sent but the executor stopped' } })]} />);
    expect(within(entry(0)).getByText('uncertain').className).toContain('badge-uncertain');
    expect(within(entry(0)).getByText(/This call may have run/).textContent).toContain('rerun the job if the call did not happen');
    render(<Timeline steps={[step(1, 'fine', {})]} />);
    expect(screen.queryAllByText(/This call may have run/)).toHaveLength(1);
  });

  it('shows redacted input values as redacted, counted, never as a value', () => {
    render(<Timeline steps={[step(1, 'post', { input: { url: 'https://api.example', headers: { authorization: '[redacted]' } }, output: { id: 7 } })]} />);
    const input = within(entry(0)).getByText('Input').closest('details');
    expect(input?.textContent).toContain('(1 value redacted)');
    expect(input?.querySelector('.redacted')?.textContent).toBe('redacted');
    expect(input?.textContent).not.toContain('[redacted]');
    expect(within(entry(0)).getByText('Output')).toBeTruthy();
  });

  it('a step without error, input or output shows none of their sections', () => {
    render(<Timeline steps={[step(1, 'noop', { kind: 'set' })]} />);
    expect(within(entry(0)).queryByText('Input')).toBeNull();
    expect(within(entry(0)).queryByText('Output')).toBeNull();
    expect(entry(0).querySelector('.step-error')).toBeNull();
  });
});
