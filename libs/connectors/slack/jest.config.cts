module.exports = {
  displayName: 'connector-slack',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/connectors/slack',
};
