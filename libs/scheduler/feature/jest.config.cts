module.exports = {
  displayName: 'scheduler-feature',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/scheduler/feature',
};
