module.exports = {
  displayName: 'platform-tracing',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/platform/tracing',
};
