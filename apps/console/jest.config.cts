// Unit tests of the console's browser-free parts (node environment; pages are covered by the browser e2e suite).
module.exports = {
  displayName: 'console',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/console',
};
