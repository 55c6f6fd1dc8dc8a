const { BannerPlugin } = require('webpack');
const serviceWebpackConfig = require('../../tools/webpack/service.webpack.js');

// The CLI builds like a service (workspace libs bundled, node_modules external, package.json
// generated from apps/cli/package.json), plus a shebang so its bin runs directly once packed.
module.exports = () => {
  const config = serviceWebpackConfig('cli', __dirname);
  config.plugins.push(new BannerPlugin({ banner: '#!/usr/bin/env node', raw: true, entryOnly: true }));
  return config;
};
