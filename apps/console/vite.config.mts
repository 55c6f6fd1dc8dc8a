import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Served by the gateway under /console: asset names carry a content hash (cached for ever), index.html does not.
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: '../../dist/apps/console',
    emptyOutDir: true,
    // the polyfill is only for old browsers; leaving it out keeps every script a file (CSP: no inline script)
    modulePreload: { polyfill: false },
    // no data: URIs (the CSP allows only 'self')
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
});
