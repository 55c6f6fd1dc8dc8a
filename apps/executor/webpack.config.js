module.exports = require('../../tools/webpack/service.webpack.js')('executor', __dirname);
