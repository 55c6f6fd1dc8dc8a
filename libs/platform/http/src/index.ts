export * from './lib/problem';
export * from './lib/problem.filter';
export * from './lib/public-route';
export * from './lib/public-routes.guard';
export * from './lib/request-body';
export * from './lib/trace-context.middleware';
export * from './lib/validation.pipe';
