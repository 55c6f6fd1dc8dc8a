module.exports = {
  displayName: 'scheduler-data-access',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/scheduler/data-access',
};
