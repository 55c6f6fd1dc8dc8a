import { useState } from 'react';
import { Link } from '@tanstack/react-router';
import { APPROVAL_STATES, deciderName, useApprovals, useDecide, type Approval, type ApprovalFilters, type ApprovalVerb } from '../api/approvals';
import { can } from '../api/permissions';
import { useRecipes } from '../api/recipes';
import { useSession } from '../api/session';
import { ConfirmButton } from '../components/Confirm';
import { usePagedList } from '../components/paged-list';
import { Badge, ErrorNote, Loading, When } from '../components/Status';

/** A decision's comment, at most this many characters (the API's limit). */
const COMMENT_MAX = 2000;

/**
 * Approvals: jobs waiting on a person's decision (an `approval` step), pending first; an operator
 * (or admin) approves or rejects after a confirmation, with an optional comment. Decided ones show
 * who decided and when; an auditor or builder sees the list without controls.
 */
export function ApprovalsPage() {
  const { me } = useSession();
  const operate = can(me, 'jobs:operate');
  const { search, list: approvals, filter, pager } = usePagedList<ApprovalFilters, Approval>('/approvals', useApprovals);
  const recipes = useRecipes();
  const decide = useDecide();
  const names = new Map((recipes.data?.items ?? []).map((r) => [r.id, r.name]));
  const state = search.state ?? 'pending';
  // the Decide column only when this principal may decide and something on the page is still open
  const decidable = operate && (approvals.data?.items ?? []).some((a) => a.state === 'pending');

  return (
    <section aria-labelledby="approvals-title">
      <h1 id="approvals-title">Approvals</h1>
      <p className="muted">Jobs waiting on a person&rsquo;s decision. The first decision wins, by a signed link or here; after its expiry nobody can decide.</p>
      <form className="filters row" onSubmit={(e) => e.preventDefault()}>
        <label>
          State
          <select value={state} onChange={(e) => filter({ state: e.target.value === 'pending' ? undefined : e.target.value })}>
            {Object.entries(APPROVAL_STATES).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </form>
      {decide.error && <ErrorNote error={decide.error} />}
      {decide.data && !decide.isPending && (
        <p role="status">
          {decide.data.decision === 'approved' ? 'Approved' : 'Rejected'}: {decide.data.title}
        </p>
      )}
      {approvals.isPending ? (
        <Loading />
      ) : approvals.error ? (
        <ErrorNote error={approvals.error} />
      ) : approvals.data.items.length === 0 ? (
        <p className="muted">{state === 'pending' ? 'No approvals are waiting.' : 'No approvals match.'}</p>
      ) : (
        <>
          <div className="table-wrap">
            <table aria-label="Approvals">
              <thead>
                <tr>
                  <th scope="col">Approval</th>
                  <th scope="col">Job</th>
                  <th scope="col">Recipe</th>
                  <th scope="col">Expires</th>
                  <th scope="col">State</th>
                  {decidable && <th scope="col">Decide</th>}
                </tr>
              </thead>
              <tbody>
                {approvals.data.items.map((approval) => (
                  <tr key={approval.id}>
                    <td>
                      <strong>{approval.title}</strong>
                      {approval.description && <p className="approval-description">{approval.description}</p>}
                      <span className="muted">
                        asked <When at={approval.createdAt} />
                      </span>
                    </td>
                    <td>
                      <Link to="/jobs/$jobId" params={{ jobId: approval.jobId }}>
                        <code>{approval.jobId}</code>
                      </Link>
                    </td>
                    <td>{names.get(approval.recipeId) ?? <code>{approval.recipeId}</code>}</td>
                    <td>
                      <When at={approval.expiresAt} />
                    </td>
                    <td>
                      <Decision approval={approval} />
                    </td>
                    {decidable && (
                      <td>
                        {approval.state === 'pending' && (
                          <DecideButtons approval={approval} busy={decide.isPending} onDecide={(decision, comment) => decide.mutate({ id: approval.id, decision, comment })} />
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {pager}
        </>
      )}
    </section>
  );
}

/** The state, and for a decided approval what, by whom, when, and the comment. */
function Decision({ approval }: { approval: Approval }) {
  if (approval.state === 'cancelled') {
    return (
      <div className="approval-decision">
        <Badge value="cancelled" /> job cancelled <When at={approval.cancelledAt} />
      </div>
    );
  }
  if (approval.state !== 'decided') return <Badge value={approval.state} />;
  return (
    <div className="approval-decision">
      <Badge value={approval.decision ?? 'decided'} /> by <code>{deciderName(approval.decidedBy)}</code>
      <br />
      <When at={approval.decidedAt} />
      {approval.comment && <blockquote>{approval.comment}</blockquote>}
    </div>
  );
}

/** Approve and reject, each after a question that also takes the optional comment. */
function DecideButtons({ approval, busy, onDecide }: { approval: Approval; busy: boolean; onDecide: (decision: ApprovalVerb, comment: string | undefined) => void }) {
  const [comment, setComment] = useState('');
  const question = (verb: string) => (
    <>
      {verb} “{approval.title}”? The job goes on with this decision; it cannot be changed.
      <label className="approval-comment">
        Comment (optional)
        <textarea value={comment} maxLength={COMMENT_MAX} rows={3} onChange={(e) => setComment(e.target.value)} />
      </label>
    </>
  );
  const send = (decision: ApprovalVerb) => onDecide(decision, comment.trim() === '' ? undefined : comment.trim());
  return (
    <div className="row">
      <ConfirmButton label="Approve" disabled={busy} question={question('Approve')} confirmLabel="Approve" onConfirm={() => send('approve')} />
      <ConfirmButton label="Reject" danger disabled={busy} question={question('Reject')} confirmLabel="Reject" onConfirm={() => send('reject')} />
    </div>
  );
}
