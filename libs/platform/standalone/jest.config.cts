module.exports = {
  displayName: 'platform-standalone',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/platform/standalone',
};
