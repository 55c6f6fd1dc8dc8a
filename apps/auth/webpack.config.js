module.exports = require('../../tools/webpack/service.webpack.js')('auth', __dirname);
