module.exports = {
  displayName: 'connectors-data-access',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/connectors/data-access',
};
