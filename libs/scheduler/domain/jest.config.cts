module.exports = {
  displayName: 'scheduler-domain',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/scheduler/domain',
};
