module.exports = {
  displayName: 'platform-health',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/platform/health',
};
