import { useState, type FormEvent } from 'react';
import { exportAudit, useAudit, useVerifyAudit, type AuditEntry, type AuditFilters } from '../api/audit';
import { describeError } from '../api/client';
import { usePagedList } from '../components/paged-list';
import { ErrorNote, Loading, When } from '../components/Status';

/** The audit log: filters, pages, verifying the hash chain, and an NDJSON export. */
export function AuditPage() {
  const { search, list: events, filter, pager } = usePagedList<AuditFilters, AuditEntry>('/audit', useAudit);
  const verify = useVerifyAudit();
  const [exportError, setExportError] = useState<string | null>(null);
  const [draft, setDraft] = useState({ action: search.action ?? '', actor: search.actor ?? '', target: search.target ?? '' });

  function apply(event: FormEvent) {
    event.preventDefault();
    filter({ action: draft.action.trim() || undefined, actor: draft.actor.trim() || undefined, target: draft.target.trim() || undefined });
  }

  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <div className="row">
        <button type="button" onClick={() => verify.mutate()} disabled={verify.isPending}>
          Verify the chain
        </button>
        <button
          type="button"
          onClick={() => {
            exportAudit(search).then(
              () => setExportError(null),
              (e: unknown) => setExportError(describeError(e)),
            );
          }}
        >
          Export NDJSON
        </button>
        <span role="status">
          {verify.data &&
            (verify.data.valid
              ? `The chain is intact: ${verify.data.checked} events checked.`
              : `The chain is broken at event ${verify.data.firstBroken?.seq ?? verify.data.lastValidSeq + 1}: ${verify.data.firstBroken?.reason ?? 'unknown'} (${verify.data.firstBroken?.detail ?? ''}).`)}
        </span>
      </div>
      {verify.error && <ErrorNote error={verify.error} />}
      {exportError && (
        <p role="alert" className="error">
          {exportError}
        </p>
      )}
      <form className="filters row" onSubmit={apply}>
        {(['action', 'actor', 'target'] as const).map((name) => (
          <label key={name}>
            {name[0].toUpperCase() + name.slice(1)}
            <input value={draft[name]} onChange={(e) => setDraft({ ...draft, [name]: e.target.value })} placeholder={PLACEHOLDERS[name]} />
          </label>
        ))}
        <button type="submit">Filter</button>
      </form>
      {events.isPending ? (
        <Loading />
      ) : events.error ? (
        <ErrorNote error={events.error} />
      ) : events.data.items.length === 0 ? (
        <p className="muted">No events match.</p>
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Target</th>
                </tr>
              </thead>
              <tbody>
                {events.data.items.map((e) => (
                  <tr key={e.id}>
                    <td>{e.seq}</td>
                    <td>
                      <When at={e.at} />
                    </td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td>
                      <code>{`${e.actor.type}:${e.actor.id}`}</code>
                    </td>
                    <td>
                      <code>{`${e.target.type}:${e.target.id}`}</code>
                    </td>
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

const PLACEHOLDERS: Record<keyof Omit<AuditFilters, 'cursor'>, string> = {
  action: 'recipe.* or recipe.started',
  actor: 'api_key:key_…',
  target: 'recipe or recipe:rcp_…',
};
