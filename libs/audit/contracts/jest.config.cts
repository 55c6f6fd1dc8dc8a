module.exports = {
  displayName: 'audit-contracts',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/audit/contracts',
};
