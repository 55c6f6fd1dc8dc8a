module.exports = {
  displayName: 'executor-data-access',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/executor/data-access',
};
