module.exports = {
  displayName: 'platform-logging',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/platform/logging',
};
