module.exports = {
  displayName: 'platform-nats',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/platform/nats',
};
