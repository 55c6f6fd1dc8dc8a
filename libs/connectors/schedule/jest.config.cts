module.exports = {
  displayName: 'connector-schedule',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/connectors/schedule',
};
