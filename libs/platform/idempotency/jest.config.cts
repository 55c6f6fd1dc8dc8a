module.exports = {
  displayName: 'platform-idempotency',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/platform/idempotency',
};
