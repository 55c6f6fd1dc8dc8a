module.exports = {
  displayName: 'shared-testing-in-process',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/shared/testing-in-process',
};
