// Strict JSON Schemas for Kubernetes objects, offline.
//
// Source: the Kubernetes OpenAPI definitions as JSON Schemas, shipped by the npm package
// kubernetes-models 4.3.x (API 1.27; later majors ship only compiled validators, which cannot be
// made strict). Each definition is registered through @kubernetes-models/validate's `register`,
// which we intercept to collect the raw schemas. They are then made strict the way kubeconform's
// "-strict" schemas are: every object schema that lists its properties and says nothing about
// others gets `additionalProperties: false`, so `resourcez: {}` is an error instead of ignored
// (the API server would drop it silently, or reject it under kubectl's --validate=strict).
//
// Custom resources: strict schemas written for this repository in tools/deploy-schemas/, each
// naming the kind it describes in `x-kubernetes-group-version-kind`.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const MAPS_OF_SCHEMAS = new Set(['properties', 'patternProperties', 'definitions', '$defs']);

/** Adds `additionalProperties: false` to every object schema that lists properties and no rule for others. */
export function strictify(node) {
  if (Array.isArray(node)) return node.map(strictify);
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'enum' || k === 'required' || k === 'default') out[k] = v;
    // Maps from names to schemas: each schema is made strict, not the map itself.
    else if (MAPS_OF_SCHEMAS.has(k) && v && typeof v === 'object') out[k] = Object.fromEntries(Object.entries(v).map(([n, s]) => [n, strictify(s)]));
    else out[k] = strictify(v);
  }
  if (out.properties && typeof out.properties === 'object' && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

const rQuantity = /^[+-]?(?:\d+|\d+\.\d+|\d+\.|\.\d+)(?:[KMGTPE]i|[YZEPTGMkhdcmunpfazy]|da|[eE][+-]?(?:\d+|\d+\.\d+|\d+\.|\.\d+))?$/;
const rBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const rDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

function addFormats(ajv) {
  ajv.addFormat('int32', { type: 'number', validate: (n) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n) => Number.isSafeInteger(n) });
  ajv.addFormat('double', { type: 'number', validate: () => true });
  ajv.addFormat('byte', { type: 'string', validate: (s) => rBase64.test(s) });
  ajv.addFormat('date-time', { type: 'string', validate: (s) => rDateTime.test(s) });
  ajv.addFormat('quantity', { type: 'string', validate: (s) => rQuantity.test(s) });
}

/** Every schema module under `dir/_schemas`, each one's addSchema() called (which registers it and its dependencies). */
function loadSchemaModules(dir) {
  const req = createRequire(join(dir, 'package.json'));
  for (const file of readdirSync(join(dir, '_schemas'))) {
    if (file.endsWith('.js')) req(join(dir, '_schemas', file)).addSchema();
  }
}

/**
 * Builds the validator. `depsDir` is the node_modules holding `modelsAlias` (kubernetes-models 4.3.x
 * installed under another name, beside the current kubernetes-models); `crdDir` holds the custom
 * resources' schemas. Returns { validatorFor(apiVersion, kind), kinds }.
 */
export function loadStrictSchemas(depsDir, modelsAlias, crdDir) {
  const anchor = createRequire(join(depsDir, 'anchor.js'));
  const modelsDir = join(depsDir, modelsAlias);
  const modelsReq = createRequire(join(modelsDir, 'package.json'));
  const apimachineryDir = dirname(modelsReq.resolve('@kubernetes-models/apimachinery/package.json'));
  const collected = new Map();
  // Every copy of the validate package these modules resolve to: theirs registers into its own ajv.
  for (const dir of [modelsDir, apimachineryDir]) {
    const validateLib = createRequire(join(dir, 'package.json'))('@kubernetes-models/validate');
    validateLib.register = (id, schema) => collected.set(id, schema);
  }
  loadSchemaModules(apimachineryDir);
  loadSchemaModules(modelsDir);
  if (collected.size < 500) throw new Error(`only ${collected.size} Kubernetes schemas found in ${modelsDir}: wrong package?`);

  const ajvModule = anchor('ajv');
  const Ajv = ajvModule.default ?? ajvModule;
  // strict: false is about ajv's own keyword checks (the OpenAPI-flavoured `nullable` etc.), not about the data.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);

  const byKind = new Map();
  for (const [id, schema] of collected) {
    ajv.addSchema(strictify(schema), id);
    const apiVersion = schema.properties?.apiVersion?.enum;
    const kind = schema.properties?.kind?.enum;
    if (apiVersion?.length === 1 && kind?.length === 1) byKind.set(`${apiVersion[0]}/${kind[0]}`, id);
  }
  for (const file of readdirSync(crdDir).filter((f) => f.endsWith('.schema.json'))) {
    const schema = JSON.parse(readFileSync(join(crdDir, file), 'utf8'));
    const id = file;
    ajv.addSchema(strictify(schema), id);
    for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) byKind.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, id);
  }

  return {
    kinds: byKind.size,
    /** The compiled validator for an object's apiVersion and kind, or undefined when no schema knows it. */
    validatorFor(apiVersion, kind) {
      const id = byKind.get(`${apiVersion}/${kind}`);
      return id ? ajv.getSchema(id) : undefined;
    },
  };
}
