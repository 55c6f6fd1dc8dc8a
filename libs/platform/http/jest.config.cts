module.exports = {
  displayName: 'platform-http',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/platform/http',
};
