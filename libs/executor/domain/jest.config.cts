module.exports = {
  displayName: 'executor-domain',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/executor/domain',
};
