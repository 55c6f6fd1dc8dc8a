module.exports = require('../../tools/webpack/service.webpack.js')('connectors', __dirname);
