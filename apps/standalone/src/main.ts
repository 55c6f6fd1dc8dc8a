import './tracing';
import { startDatabase } from '@junction/platform/standalone/database-start';

// The embedded Postgres starts (initdb on a first start) in its own process while this one loads
// the services' code (Nest, TypeORM, every feature: ~2 s on two busy cores); loading that first
// made a start wait for both in turn
const database = startDatabase(process.env);
import('./start-services').then(
  ({ startServices }) => startServices(database),
  (error: unknown) => {
    // the database, if it started, is stopped by its exit hook
    process.stderr.write(`junction: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
