import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs `work` in a transaction whose row claims Postgres releases if this replica stops
 * answering: when the process dies its connection closes; when it hangs mid-transaction for
 * longer than `maxIdleMs` the server ends the session. Either way another replica's next
 * round claims the rows, and re-publishes with the same msg ids (deduped).
 */
export function inClaimTransaction<T>(dataSource: DataSource, maxIdleMs: number, work: (em: EntityManager) => Promise<T>): Promise<T> {
  return dataSource.transaction(async (em) => {
    await em.query(`SELECT set_config('idle_in_transaction_session_timeout', $1, true)`, [`${Math.ceil(maxIdleMs)}ms`]);
    return work(em);
  });
}
