module.exports = {
  displayName: 'connector-postgres',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/connectors/postgres',
};
