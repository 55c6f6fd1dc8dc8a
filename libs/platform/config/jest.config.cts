module.exports = {
  displayName: 'platform-config',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/platform/config',
};
