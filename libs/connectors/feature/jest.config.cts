module.exports = {
  displayName: 'connectors-feature',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/connectors/feature',
};
