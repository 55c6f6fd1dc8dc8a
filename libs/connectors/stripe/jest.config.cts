module.exports = {
  displayName: 'connector-stripe',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/connectors/stripe',
};
