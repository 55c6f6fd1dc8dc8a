module.exports = {
  displayName: 'lint-checks',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/tools/lint-checks',
};
