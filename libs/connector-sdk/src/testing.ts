export * from './testing/fake-third-party';
export * from './testing/run-action';
