// The jest config of `npm run test:unit` (test-unit.sh): only the projects holding a unit spec,
// found by walking the tree. The root jest.config.ts asks Nx for every project and jest then
// crawls each one, about 10 s of CPU before the first test runs.
const { existsSync, readdirSync } = require('node:fs');
const { dirname, join } = require('node:path');

const root = join(__dirname, '../..');
const SKIP = new Set(['node_modules', 'dist', 'tmp', 'coverage', '.nx', '.git']);

function* unitSpecs(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP.has(entry.name)) yield* unitSpecs(join(dir, entry.name));
    } else if (entry.name.endsWith('.spec.ts')) {
      yield join(dir, entry.name); // `.int-spec.ts` and the other tiers end in `-spec.ts`
    }
  }
}

function projectOf(file) {
  for (let dir = dirname(file); dir.startsWith(root) && dir !== root; dir = dirname(dir)) {
    if (existsSync(join(dir, 'jest.config.cts')) || existsSync(join(dir, 'jest.config.ts'))) return dir;
  }
  return undefined;
}

const projects = new Set();
for (const top of ['apps', 'libs', 'tools']) {
  if (!existsSync(join(root, top))) continue;
  for (const spec of unitSpecs(join(root, top))) {
    const project = projectOf(spec);
    if (project) projects.add(project);
  }
}

module.exports = {
  rootDir: root,
  projects: [...projects].sort(),
  // as in jest.config.ts: a project's own testTimeout applies only when it runs alone
  testTimeout: 30_000,
};
