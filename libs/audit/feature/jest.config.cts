module.exports = {
  displayName: 'audit-feature',
  preset: '../../../jest.preset.js',
  coverageDirectory: '../../../coverage/libs/audit/feature',
};
