module.exports = {
  displayName: 'connector-http',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/connectors/http',
};
