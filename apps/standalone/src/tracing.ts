import { startTracing } from '@junction/platform/tracing';

// imported first by main.ts: the instrumentations patch http, pg and ioredis before anything loads them
startTracing('standalone');
