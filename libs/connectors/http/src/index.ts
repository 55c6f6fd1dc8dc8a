export * from './lib/http.connector';
export { getPath } from './lib/paginate.action';
