// Apart from @junction/shared/testing because the in-process adapters' own tests use that kit:
// one project importing the other both ways would be a cycle.
export * from './lib/in-process-ports';
export * from './lib/embedded-test-database';
