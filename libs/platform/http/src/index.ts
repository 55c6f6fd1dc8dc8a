export * from './lib/problem';
export * from './lib/problem.filter';
export * from './lib/trace-context.middleware';
export * from './lib/validation.pipe';
