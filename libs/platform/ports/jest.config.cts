module.exports = {
  displayName: 'platform-ports',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/platform/ports',
};
