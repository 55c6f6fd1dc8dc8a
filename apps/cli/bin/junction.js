#!/usr/bin/env node
// `npx junction` from the repository: runs the built CLI (dist/apps/cli/main.js) when it is newer
// than the sources it is built from, else the TypeScript sources through @swc-node/register, so a
// fresh clone works right after `npm ci` (no build step). The packed npm package runs main.js directly.
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '../../..');
const built = join(root, 'dist/apps/cli/main.js');
const sources = ['apps/cli/src', 'libs/executor/domain/src', 'libs/executor/contracts/src', 'libs/platform/ports/src'].map((dir) => join(root, dir));

function newestChange(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestChange(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function builtIsFresh() {
  if (!existsSync(built)) return false;
  const builtAt = statSync(built).mtimeMs;
  return sources.every((dir) => !existsSync(dir) || newestChange(dir) <= builtAt);
}

if (builtIsFresh()) {
  require(built);
} else {
  process.env.SWC_NODE_PROJECT = join(root, 'tsconfig.base.json');
  require('@swc-node/register');
  require(join(root, 'apps/cli/src/main.ts'));
}
