module.exports = {
  displayName: 'executor-feature',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/executor/feature',
};
