module.exports = {
  displayName: 'connectors-contracts',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/connectors/contracts',
};
