// the marker lives in the platform so that health and metrics controllers can carry it too
export { PUBLIC_ROUTE, PublicRoute } from '@junction/platform/http';
