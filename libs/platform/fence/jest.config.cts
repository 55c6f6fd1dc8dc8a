module.exports = {
  displayName: 'platform-fence',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/platform/fence',
};
