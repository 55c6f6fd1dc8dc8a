const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

/**
 * The one webpack configuration of every service: a Node bundle of main.ts, node_modules external.
 * `additionalEntryPoints` adds scripts bundled beside main.js (worker threads: `{ entryName, entryPath }`, path from the repo root).
 */
module.exports = function serviceWebpackConfig(service, appDir, { additionalEntryPoints = [] } = {}) {
  return {
    output: { path: join(appDir, '../../dist/apps', service), clean: true },
    plugins: [
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: './src/main.ts',
        tsConfig: './tsconfig.app.json',
        optimization: false,
        outputHashing: 'none',
        generatePackageJson: true,
        sourceMap: true,
        additionalEntryPoints: additionalEntryPoints.map((e) => ({ entryName: e.entryName, entryPath: join(appDir, '../..', e.entryPath) })),
      }),
    ],
  };
};
