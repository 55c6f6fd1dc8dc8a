module.exports = {
  displayName: 'auth-contracts',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/auth/contracts',
};
