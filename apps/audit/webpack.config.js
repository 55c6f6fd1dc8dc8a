module.exports = require('../../tools/webpack/service.webpack.js')('audit', __dirname);
