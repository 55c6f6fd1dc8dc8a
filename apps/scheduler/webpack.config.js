module.exports = require('../../tools/webpack/service.webpack.js')('scheduler', __dirname);
