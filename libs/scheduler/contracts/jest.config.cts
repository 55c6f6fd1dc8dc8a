module.exports = {
  displayName: 'scheduler-contracts',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/scheduler/contracts',
};
