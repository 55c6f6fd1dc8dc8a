module.exports = {
  displayName: 'auth-data-access',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/auth/data-access',
};
