import type { ReactElement } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import type { Page } from '../api/types';

/** The console's pages that list a resource a page at a time, their filters and cursor in the URL. */
export type PagedRoute = '/jobs' | '/dead-letters' | '/audit' | '/approvals';

export interface PagedList<F extends { cursor?: string }, T> {
  /** The filters and cursor as the URL has them. */
  search: F;
  /** The page the URL asks for. */
  list: UseQueryResult<Page<T>>;
  /** Changes some filters and goes back to the first page (an old cursor means nothing under new filters). */
  filter: (change: Partial<Omit<F, 'cursor'>>) => void;
  /** The first and next pages' links, under the list. */
  pager: ReactElement;
}

/**
 * Paging and filters kept in the URL, as the jobs and dead letters pages have them: the search
 * params are the filters (so a filtered page can be linked to and survives a reload), a filter
 * change starts from the first page, and the pager links keep the filters and move the cursor.
 * `useList` reads one page (a react-query hook of src/api); `onFilter` runs before a filter
 * change (e.g. to clear a selection that the new list may not show).
 */
export function usePagedList<F extends { cursor?: string }, T>(from: PagedRoute, useList: (filters: F) => UseQueryResult<Page<T>>, onFilter?: () => void): PagedList<F, T> {
  // the search params as the route's own validateSearch shaped them (F is that route's filters type)
  const params = useSearch({ strict: false });
  const search = params as F;
  const navigate = useNavigate({ from });
  const list = useList(search);
  const filter = (change: Partial<Omit<F, 'cursor'>>) => {
    onFilter?.();
    void navigate({ search: { ...search, ...change, cursor: undefined } as never });
  };
  const pager = <Pager from={from} search={search} nextCursor={list.data?.nextCursor} />;
  return { search, list, filter, pager };
}

function Pager({ from, search, nextCursor }: { from: PagedRoute; search: { cursor?: string }; nextCursor: string | undefined }) {
  return (
    <nav className="row" aria-label="Pages">
      {search.cursor && (
        <Link to={from} search={{ ...search, cursor: undefined } as never}>
          First page
        </Link>
      )}
      {nextCursor && (
        <Link to={from} search={{ ...search, cursor: nextCursor } as never}>
          Next page
        </Link>
      )}
    </nav>
  );
}
