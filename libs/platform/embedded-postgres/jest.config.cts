module.exports = {
  displayName: 'platform-embedded-postgres',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/platform/embedded-postgres',
};
