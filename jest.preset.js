// Shared by every project: swc transpiles (fast, no type-check — `npm run typecheck` does that).
const nxPreset = require('@nx/jest/preset').default;

const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    // decoratorMetadata: Nest resolves constructor dependencies by their emitted types.
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: true,
  swcrc: false,
};

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  transform: { '^.+\\.[tj]s$': ['@swc/jest', swc] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // CI's unit run on Node 24 maps the native re2 to a copy built for that ABI (tools/scripts/test-unit-node24.sh)
  ...(process.env.JUNCTION_RE2_MODULE ? { moduleNameMapper: { '^re2$': process.env.JUNCTION_RE2_MODULE } } : {}),
  // openid-client 6 and what it brings (oauth4webapi, its own jose 6) are ESM-only: jest's require
  // cannot load them untransformed (Node's own require can, and the built services use that)
  transformIgnorePatterns: ['^(?!.*/node_modules/(openid-client|oauth4webapi)/).*/node_modules/'],
  // unit: *.spec.ts; integration against this machine's Postgres/Redis/NATS: *.int-spec.ts; e2e: *.e2e-spec.ts;
  // hostile (attacker's inputs, any tier underneath): *.hostile-spec.ts; server outages (own nats/postgres/redis killed): *.fault-spec.ts
  testMatch: ['**/?(*.)+(spec|int-spec|e2e-spec|hostile-spec|fault-spec).ts'],
  testTimeout: 30000,
  setupFiles: ['reflect-metadata'],
  // class-validator keeps its metadata on globalThis; jest's globals clean-up would warn about it
  testEnvironmentOptions: { globalsCleanup: 'off' },
};
