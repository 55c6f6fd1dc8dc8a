module.exports = {
  displayName: 'platform-metrics',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/platform/metrics',
};
