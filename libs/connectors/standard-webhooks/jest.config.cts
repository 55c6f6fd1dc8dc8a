module.exports = {
  displayName: 'connector-standard-webhooks',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/connectors/standard-webhooks',
};
