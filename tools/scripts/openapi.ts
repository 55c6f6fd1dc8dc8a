/**
 * Writes the API contract, `docs/openapi.json`, from the gateway's Nest metadata (no server runs).
 *
 *   npm run openapi            regenerate the file
 *   npm run openapi -- --check exit 1 when the committed file is not what the code describes (CI)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generateOpenApiDocument, serializeOpenApiDocument } from '@junction/gateway/feature';

const FILE = resolve(__dirname, '../../docs/openapi.json');

async function main(): Promise<void> {
  const text = serializeOpenApiDocument(await generateOpenApiDocument());
  if (!process.argv.includes('--check')) {
    writeFileSync(FILE, text);
    console.log(`wrote ${FILE}`);
    return;
  }
  let committed = '';
  try {
    committed = readFileSync(FILE, 'utf8');
  } catch {
    // missing: stale as well
  }
  if (committed !== text) {
    console.error('docs/openapi.json is stale: run `npm run openapi` and commit the result.');
    process.exit(1);
  }
  console.log('docs/openapi.json is current');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
