module.exports = {
  displayName: 'platform-in-process',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/platform/in-process',
};
