module.exports = {
  displayName: 'platform-redis',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/platform/redis',
};
