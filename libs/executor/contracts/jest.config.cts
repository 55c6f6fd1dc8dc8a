module.exports = {
  displayName: 'executor-contracts',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/executor/contracts',
};
