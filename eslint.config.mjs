import nx from '@nx/eslint-plugin';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * Who may import whom. Every project has `scope:<domain>` and `type:<kind>` tags. A dependency
 * must satisfy both the source's scope rule and its type rule.
 */
const depConstraints = [
  // types: apps wire features; features use their data-access, domain and contracts; nothing imports up.
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:feature', 'type:contracts', 'type:platform', 'type:util'] },
  { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:data-access', 'type:domain', 'type:contracts', 'type:platform', 'type:util', 'type:connector', 'type:sdk'] },
  { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:platform', 'type:util'] },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:util'] },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts', 'type:util'] },
  { sourceTag: 'type:connector', onlyDependOnLibsWithTags: ['type:sdk', 'type:util'] },
  { sourceTag: 'type:sdk', onlyDependOnLibsWithTags: ['type:util'] },
  { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:platform', 'type:util'] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:util', 'type:sdk', 'type:testing'] },
  // the CLI talks to the public API over HTTP; it shares only the recipe format and its validator (offline `recipes validate`)
  { sourceTag: 'type:cli', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:util'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:util', 'type:testing'] },
  // scopes: a service reaches another domain only through that domain's contracts (over NATS).
  ...['gateway', 'auth', 'connectors', 'scheduler', 'executor', 'audit'].map((scope) => ({
    sourceTag: `scope:${scope}`,
    onlyDependOnLibsWithTags: [`scope:${scope}`, 'scope:platform', 'scope:shared', 'type:contracts'],
  })),
  // the standalone app hosts every service in one process: it wires all scopes, as the six apps do one each
  { sourceTag: 'scope:standalone', onlyDependOnLibsWithTags: ['scope:gateway', 'scope:auth', 'scope:connectors', 'scope:scheduler', 'scope:executor', 'scope:audit', 'scope:platform', 'scope:shared'] },
  { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: ['scope:cli', 'scope:executor', 'scope:shared'] },
  // the web console is a browser app on the public HTTP API alone: it imports no library of the repo
  { sourceTag: 'scope:console', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'scope:platform', onlyDependOnLibsWithTags: ['scope:platform'] },
  // contracts: the shared test kit builds every domain's messages (factories); the sdk's type rule still keeps it to utils
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared', 'scope:platform', 'type:contracts'] },
];

/** Tests may also use the shared test kit (fakes, proxies, process helpers), production code may not. */
const testDepConstraints = depConstraints.map((c) => ({
  ...c,
  onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:testing', 'scope:shared'],
}));

const boundaries = (constraints) => [
  'error',
  { enforceBuildableLibDependency: true, allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'], depConstraints: constraints },
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/out-tsc', '**/node_modules', 'coverage', 'tmp', '.nx', '**/files/**', '.junction'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX, '@typescript-eslint': tseslint.plugin },
    rules: {
      '@nx/enforce-module-boundaries': boundaries(depConstraints),
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { maxDepth: 10 }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name=/^(it|describe|test)$/][callee.property.name='only']", message: 'focused tests must not be committed' },
        { selector: "CallExpression[callee.object.name=/^(it|describe|test)$/][callee.property.name='skip']", message: 'skipped tests must not be committed' },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/*.hostile-spec.ts', '**/*.fault-spec.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(testDepConstraints) },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs', '**/*.cts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
