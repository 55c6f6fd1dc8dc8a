import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Component tests (Vitest + Testing Library in happy-dom): `*.test.ts(x)` only, so jest (`*.spec.ts`) and Vitest never run each other's files.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  test: {
    include: ['src/**/*.test.{ts,tsx}'],
    environment: 'happy-dom',
    // one fork: the machine's cores are shared, and the whole run takes a few seconds
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 10_000,
  },
});
