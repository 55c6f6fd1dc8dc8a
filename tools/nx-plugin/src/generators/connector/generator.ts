import { formatFiles, generateFiles, joinPathFragments, names, updateJson, type Tree } from '@nx/devkit';

export interface ConnectorGeneratorSchema {
  name: string;
  displayName?: string;
  register?: boolean;
}

const REGISTRY = 'libs/connectors/feature/src/lib/built-in-connectors.ts';

/** `npx nx g @junction/tools:connector <name>`: a connector project whose test passes as generated. */
export async function connectorGenerator(tree: Tree, options: ConnectorGeneratorSchema): Promise<void> {
  if (!/^[a-z][a-z0-9-]{1,40}$/.test(options.name)) throw new Error(`connector name "${options.name}" must be lower case letters, digits and -`);
  const root = `libs/connectors/${options.name}`;
  if (tree.exists(root)) throw new Error(`${root} exists already`);
  const n = names(options.name);
  const vars = {
    key: options.name,
    className: n.className,
    propertyName: n.propertyName,
    fileName: n.fileName,
    displayName: options.displayName ?? n.className.replace(/([a-z])([A-Z])/g, '$1 $2'),
    tmpl: '',
  };
  generateFiles(tree, joinPathFragments(__dirname, 'files'), root, vars);
  updateJson(tree, 'tsconfig.base.json', (json: { compilerOptions: { paths: Record<string, string[]> } }) => {
    json.compilerOptions.paths[`@junction/connector-${options.name}`] = [`${root}/src/index.ts`];
    json.compilerOptions.paths = Object.fromEntries(Object.entries(json.compilerOptions.paths).sort(([a], [b]) => a.localeCompare(b)));
    return json;
  });
  if (options.register !== false && tree.exists(REGISTRY)) registerBuiltIn(tree, `${vars.propertyName}Connector`, `@junction/connector-${options.name}`);
  await formatFiles(tree);
}

/** Adds the import and the array entry to the connectors service's list of built-ins. */
export function registerBuiltIn(tree: Tree, exportName: string, importPath: string): void {
  const source = tree.read(REGISTRY, 'utf-8') ?? '';
  if (source.includes(`'${importPath}'`)) return;
  const withImport = source.replace(/(import type \{ ConnectorDefinition \} from '@junction\/connector-sdk';\n)/, `$1import { ${exportName} } from '${importPath}';\n`);
  const withEntry = withImport.replace(/(BUILT_IN_CONNECTORS: ConnectorDefinition\[\] = \[\n)/, `$1  ${exportName},\n`);
  if (withEntry === source) throw new Error(`could not register ${exportName} in ${REGISTRY}: its shape changed`);
  tree.write(REGISTRY, withEntry);
}

export default connectorGenerator;
