import { Link } from '@tanstack/react-router';
import { JOB_RANGES, jobsQuery } from '../api/job-range';
import { useJobs, type JobFilters } from '../api/jobs';
import { can } from '../api/permissions';
import { useRecipes } from '../api/recipes';
import { useSession } from '../api/session';
import { JOB_STATUSES, type JobSummary } from '../api/types';
import { usePagedList } from '../components/paged-list';
import { Badge, ErrorNote, Loading, When } from '../components/Status';
import { BulkRerun } from './BulkRerun';

export function JobsPage() {
  const { search, list: jobs, filter, pager } = usePagedList<JobFilters, JobSummary>('/jobs', useJobs);
  const recipes = useRecipes();
  const names = new Map((recipes.data?.items ?? []).map((r) => [r.id, r.name]));
  const { me } = useSession();
  // the bulk rerun works on one recipe's failed jobs: offered when the list shows those
  const rerunnable = can(me, 'jobs:operate') && search.recipeId !== undefined && (search.status === undefined || search.status === 'failed');

  return (
    <section aria-labelledby="jobs-title">
      <h1 id="jobs-title">Jobs</h1>
      <form className="filters row" onSubmit={(e) => e.preventDefault()}>
        <label>
          Recipe
          <select value={search.recipeId ?? ''} onChange={(e) => filter({ recipeId: e.target.value || undefined })}>
            <option value="">All recipes</option>
            {(recipes.data?.items ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select value={search.status ?? ''} onChange={(e) => filter({ status: e.target.value || undefined })}>
            <option value="">Any status</option>
            {JOB_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Created
          <select value={search.range ?? ''} onChange={(e) => filter({ range: e.target.value || undefined })}>
            <option value="">Any time</option>
            {Object.entries(JOB_RANGES).map(([value, { label }]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </form>
      {rerunnable && search.recipeId && (
        <BulkRerun
          key={`${search.recipeId}:${search.range ?? ''}`}
          recipeId={search.recipeId}
          recipeName={names.get(search.recipeId) ?? search.recipeId}
          since={jobsQuery({ range: search.range }).get('since') ?? undefined}
        />
      )}
      {jobs.isPending ? (
        <Loading />
      ) : jobs.error ? (
        <ErrorNote error={jobs.error} />
      ) : jobs.data.items.length === 0 ? (
        <p className="muted">No jobs match.</p>
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">Recipe</th>
                  <th scope="col">Version</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {jobs.data.items.map((job) => (
                  <tr key={job.id}>
                    <td>
                      <Link to="/jobs/$jobId" params={{ jobId: job.id }}>
                        <code>{job.id}</code>
                      </Link>
                    </td>
                    <td>{names.get(job.recipeId) ?? <code>{job.recipeId}</code>}</td>
                    <td>{job.recipeVersion}</td>
                    <td>
                      <Badge value={job.status} />
                    </td>
                    <td>
                      <When at={job.createdAt} />
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
