module.exports = {
  displayName: 'auth-domain',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/auth/domain',
};
