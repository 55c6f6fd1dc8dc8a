module.exports = {
  displayName: 'connector-github',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/connectors/github',
};
