module.exports = {
  displayName: 'e2e-cluster',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/e2e/cluster',
  testTimeout: 90000,
};
