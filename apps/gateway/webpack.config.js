module.exports = require('../../tools/webpack/service.webpack.js')('gateway', __dirname);
