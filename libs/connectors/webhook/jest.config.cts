module.exports = {
  displayName: 'connector-webhook',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/connectors/webhook',
};
