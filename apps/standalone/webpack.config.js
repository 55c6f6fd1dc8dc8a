// one bundle with every service; the executor's expression worker is bundled beside it as in the cluster
module.exports = require('../../tools/webpack/service.webpack.js')('standalone', __dirname, {
  additionalEntryPoints: [{ entryName: 'expression-worker', entryPath: 'libs/executor/feature/src/lib/expression-worker.ts' }],
});
