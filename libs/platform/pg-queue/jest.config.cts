module.exports = {
  displayName: 'platform-pg-queue',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/platform/pg-queue',
};
