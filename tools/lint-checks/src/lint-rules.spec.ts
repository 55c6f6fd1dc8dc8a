import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '../../..');
const tag = randomBytes(4).toString('hex');

/** Probe files, linted in one ESLint run (the type-aware rules make each run cost seconds). */
const probes = {
  platformImportsFeature: {
    path: `libs/platform/config/src/lib/probe-${tag}-a.ts`,
    code: `import { GatewayFeatureModule } from '@junction/gateway/feature';\nexport const m = GatewayFeatureModule;\n`,
  },
  featureImportsOtherFeature: {
    path: `libs/gateway/feature/src/lib/probe-${tag}-b.ts`,
    code: `import { ConnectorCatalog } from '@junction/connectors/feature';\nexport const c = ConnectorCatalog;\n`,
  },
  featureImportsOtherContracts: {
    path: `libs/gateway/feature/src/lib/probe-${tag}-c.ts`,
    code: `import { ListConnectors } from '@junction/connectors/contracts';\nexport const c = ListConnectors;\n`,
  },
  floatingPromise: {
    path: `libs/platform/ports/src/lib/probe-${tag}-d.ts`,
    code: `async function f(): Promise<void> {\n  await Promise.resolve();\n}\nexport function g(): void {\n  f();\n}\n`,
  },
  focusedTest: {
    path: `libs/platform/ports/src/lib/probe-${tag}-e.spec.ts`,
    code: `it.only('x', () => undefined);\n`,
  },
};

type Probe = keyof typeof probes;
const messages = new Map<Probe, string>();

beforeAll(async () => {
  for (const probe of Object.values(probes)) writeFileSync(join(root, probe.path), probe.code);
  try {
    const eslint = join(root, 'node_modules/.bin/eslint');
    const files = Object.values(probes).map((p) => p.path);
    const output = await promisify(execFile)(eslint, ['--format', 'json', ...files], { cwd: root, maxBuffer: 16 << 20 }).then(
      (r) => r.stdout,
      (e: { stdout?: string }) => e.stdout ?? '[]', // exit 1 when there are errors: expected
    );
    const results = JSON.parse(output) as { filePath: string; messages: { ruleId: string | null; message: string }[] }[];
    for (const [name, probe] of Object.entries(probes) as [Probe, { path: string }][]) {
      const result = results.find((r) => r.filePath === join(root, probe.path));
      messages.set(name, (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`).join('\n'));
    }
  } finally {
    for (const probe of Object.values(probes)) rmSync(join(root, probe.path), { force: true });
  }
}, 180_000);

describe('lint rules that keep the architecture honest', () => {
  it('refuses a platform library importing a feature', () => {
    expect(messages.get('platformImportsFeature')).toMatch(/@nx\/enforce-module-boundaries/);
  });

  it("refuses one service's feature importing another service's feature", () => {
    expect(messages.get('featureImportsOtherFeature')).toMatch(/@nx\/enforce-module-boundaries/);
  });

  it("allows a service's feature to import another domain's contracts", () => {
    expect(messages.get('featureImportsOtherContracts')).toBe('');
  });

  it('refuses a floating promise', () => {
    expect(messages.get('floatingPromise')).toMatch(/no-floating-promises/);
  });

  it('refuses a committed focused test', () => {
    expect(messages.get('focusedTest')).toMatch(/focused tests/);
  });
});
