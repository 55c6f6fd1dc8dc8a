import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { connectorGenerator } from './generator';

const root = join(__dirname, '../../../../..');
const REGISTRY = 'libs/connectors/feature/src/lib/built-in-connectors.ts';

function seededTree(): Tree {
  const tree = createTreeWithEmptyWorkspace();
  tree.write('tsconfig.base.json', JSON.stringify({ compilerOptions: { paths: { '@junction/connector-sdk': ['libs/connector-sdk/src/index.ts'] } } }));
  tree.write(REGISTRY, readFileSync(join(root, REGISTRY), 'utf8'));
  return tree;
}

describe('connector generator', () => {
  it('scaffolds the project, its path alias and its registration', async () => {
    const tree = seededTree();
    await connectorGenerator(tree, { name: 'acme-crm' });
    for (const file of ['project.json', 'jest.config.cts', 'src/index.ts', 'src/lib/acme-crm.connector.ts', 'src/lib/acme-crm.connector.int-spec.ts']) {
      expect(tree.exists(`libs/connectors/acme-crm/${file}`)).toBe(true);
    }
    const project = JSON.parse(tree.read('libs/connectors/acme-crm/project.json', 'utf-8') ?? '{}') as { name: string; tags: string[] };
    expect(project).toMatchObject({ name: 'connector-acme-crm', tags: ['scope:connectors', 'type:connector'] });
    const paths = (JSON.parse(tree.read('tsconfig.base.json', 'utf-8') ?? '{}') as { compilerOptions: { paths: Record<string, string[]> } }).compilerOptions.paths;
    expect(paths['@junction/connector-acme-crm']).toEqual(['libs/connectors/acme-crm/src/index.ts']);
    const registry = tree.read(REGISTRY, 'utf-8') ?? '';
    expect(registry).toContain("import { acmeCrmConnector } from '@junction/connector-acme-crm';");
    expect(registry).toMatch(/BUILT_IN_CONNECTORS: ConnectorDefinition\[\] = \[\n\s+acmeCrmConnector,/);
  });

  it('refuses a bad name and an existing project', async () => {
    await expect(connectorGenerator(seededTree(), { name: 'Bad_Name' })).rejects.toThrow(/lower case/);
    const tree = seededTree();
    await connectorGenerator(tree, { name: 'twice' });
    await expect(connectorGenerator(tree, { name: 'twice' })).rejects.toThrow(/exists already/);
  });

  it('produces a project whose own tests pass', async () => {
    const name = `gen-probe-${process.pid}`;
    const tree = seededTree();
    await connectorGenerator(tree, { name, register: false });
    const dir = `libs/connectors/${name}`;
    try {
      for (const change of tree.listChanges().filter((c) => c.path.startsWith(`${dir}/`))) {
        const target = join(root, change.path);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, change.content ?? '');
      }
      const { stdout, stderr } = await promisify(execFile)(join(root, 'node_modules/.bin/jest'), ['-c', `${dir}/jest.config.cts`, '--ci'], { cwd: root }).catch(
        (e: { stdout: string; stderr: string }) => e,
      );
      expect(`${stdout}${stderr}`).toMatch(/Tests:\s+2 passed, 2 total/);
    } finally {
      rmSync(join(root, dir), { recursive: true, force: true });
    }
  }, 120_000);
});
