// expression-worker.js: the worker threads that take over JSONata evaluations past the inline budget (ExpressionPool)
module.exports = require('../../tools/webpack/service.webpack.js')('executor', __dirname, {
  additionalEntryPoints: [{ entryName: 'expression-worker', entryPath: 'libs/executor/feature/src/lib/expression-worker.ts' }],
});
