// The executor database for tests of this library and of the executor's feature: not part of the index,
// so production code cannot reach it.
export * from './lib/testing/executor-test-database';
export * from './lib/testing/named-statements';
