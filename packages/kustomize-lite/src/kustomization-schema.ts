import { KustomizationFileError } from './errors.js';
import { isJsonMap, type JsonMap, type JsonValue } from './json.js';

/**
 * A field type of kustomize's Go structs, for decoding as Go's `encoding/json` does: field names
 * matched case-insensitively, unknown fields rejected, scalars converted to strings where the Go
 * field is a string (as sigs.k8s.io/yaml does).
 */
export type FieldType =
  | 'string'
  | 'bool'
  | 'int'
  | 'any'
  | { readonly list: FieldType }
  | { readonly map: FieldType }
  | { readonly struct: StructSchema; readonly name: string };

/** The fields of a Go struct, by JSON name. */
export type StructSchema = Readonly<Record<string, FieldType>>;

const lowerCaseIndex = new WeakMap<StructSchema, Map<string, string>>();

function fieldIndex(schema: StructSchema): Map<string, string> {
  let index = lowerCaseIndex.get(schema);
  if (index === undefined) {
    index = new Map(Object.keys(schema).map((name) => [name.toLowerCase(), name]));
    lowerCaseIndex.set(schema, index);
  }
  return index;
}

/**
 * Decodes `value` into a struct of `schema`, keys renamed to the schema's spelling.
 *
 * @throws KustomizationFileError naming the file and field for unknown fields and type mismatches.
 */
export function decodeStruct(value: JsonValue, schema: StructSchema, structName: string, file: string, options: { strict?: boolean } = {}): JsonMap {
  return decodeFields(value, schema, structName, '', file, options.strict !== false);
}

function decodeFields(value: JsonValue, schema: StructSchema, structName: string, path: string, file: string, strict: boolean): JsonMap {
  if (!isJsonMap(value)) throw typeError(file, structName, path, 'object', value);
  const index = fieldIndex(schema);
  const result: JsonMap = {};
  for (const [key, item] of Object.entries(value)) {
    const name = index.get(key.toLowerCase());
    if (name === undefined) {
      if (!strict) continue;
      throw new KustomizationFileError(`invalid Kustomization: json: unknown field "${key}" (in ${file})`, { file });
    }
    const type = schema[name] as FieldType;
    const decoded = decodeValue(item, type, structName, path === '' ? name : `${path}.${name}`, file, strict);
    if (decoded !== undefined) result[name] = decoded;
  }
  return result;
}

function decodeValue(value: JsonValue, type: FieldType, structName: string, path: string, file: string, strict: boolean): JsonValue | undefined {
  if (value === null) return undefined;
  if (type === 'any') return value;
  if (type === 'string') {
    if (typeof value === 'string') return value;
    throw typeError(file, structName, path, 'string', value);
  }
  if (type === 'bool') {
    if (typeof value === 'boolean') return value;
    throw typeError(file, structName, path, 'bool', value);
  }
  if (type === 'int') {
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    throw typeError(file, structName, path, 'int', value);
  }
  if ('list' in type) {
    if (!Array.isArray(value)) throw typeError(file, structName, path, `[]${describeType(type.list)}`, value);
    // Go decodes a null list item as the item type's zero value (`""` for a string)
    return value.map((item) => decodeValue(item, type.list, structName, path, file, strict) ?? (type.list === 'string' ? '' : null));
  }
  if ('map' in type) {
    if (!isJsonMap(value)) throw typeError(file, structName, path, `map[string]${describeType(type.map)}`, value);
    const result: JsonMap = {};
    for (const [key, item] of Object.entries(value)) result[key] = decodeValue(item, type.map, structName, path, file, strict) ?? '';
    return result;
  }
  return decodeFields(value, type.struct, type.name, path, file, strict);
}

function describeType(type: FieldType): string {
  if (typeof type === 'string') return type === 'any' ? 'interface {}' : type;
  if ('list' in type) return `[]${describeType(type.list)}`;
  if ('map' in type) return `map[string]${describeType(type.map)}`;
  return `types.${type.name}`;
}

/** Go's encoding/json type error, as kustomize prints it. */
function typeError(file: string, structName: string, path: string, expected: string, value: JsonValue): KustomizationFileError {
  const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value === 'object' ? 'object' : typeof value;
  return new KustomizationFileError(
    `invalid Kustomization: json: cannot unmarshal ${actual} into Go struct field ${structName}.${path} of type ${expected} (in ${file})`,
    { file },
  );
}

const str: FieldType = 'string';
const strings: FieldType = { list: 'string' };
const stringMap: FieldType = { map: 'string' };

const targetSelector: StructSchema = {
  group: str,
  version: str,
  kind: str,
  name: str,
  namespace: str,
  labelSelector: str,
  annotationSelector: str,
};
const generatorOptions: StructSchema = {
  labels: stringMap,
  annotations: stringMap,
  disableNameSuffixHash: 'bool',
  immutable: 'bool',
};
const objectMeta: StructSchema = { name: str, namespace: str, labels: stringMap, annotations: stringMap };

/** `configMapGenerator` / `secretGenerator` items (and the builtin generator plugin configs). */
export const generatorArgsSchema: StructSchema = {
  name: str,
  namespace: str,
  behavior: str,
  files: strings,
  literals: strings,
  envs: strings,
  env: str,
  options: { struct: generatorOptions, name: 'GeneratorOptions' },
  type: str,
};

const fieldSpec: StructSchema = { group: str, version: str, kind: str, path: str, create: 'bool' };
const fieldSpecs: FieldType = { list: { struct: fieldSpec, name: 'FieldSpec' } };

const replacementSelector: StructSchema = {
  group: str,
  version: str,
  kind: str,
  name: str,
  namespace: str,
  labelSelector: str,
  annotationSelector: str,
};
const replacementSource: StructSchema = { ...replacementSelector, fieldPath: str, options: 'any' };
const replacementTarget: StructSchema = {
  select: { struct: replacementSelector, name: 'Selector' },
  reject: { list: { struct: replacementSelector, name: 'Selector' } },
  fieldPaths: strings,
  options: { struct: { delimiter: str, index: 'int', create: 'bool', encoding: str }, name: 'FieldOptions' },
};
/** One `replacements` entry (inline) or a reference to a file of them. */
export const replacementSchema: StructSchema = {
  path: str,
  source: { struct: replacementSource, name: 'SourceSelector' },
  targets: { list: { struct: replacementTarget, name: 'TargetSelector' } },
};

const labelsEntry: StructSchema = {
  pairs: stringMap,
  includeSelectors: 'bool',
  includeTemplates: 'bool',
  includeVolumeClaimTemplates: 'bool',
  fields: fieldSpecs,
};

/** kustomize's `Kustomization` struct (kustomize.config.k8s.io/v1beta1), with JSON names. */
export const kustomizationSchema: StructSchema = {
  apiVersion: str,
  kind: str,
  metadata: { struct: objectMeta, name: 'ObjectMeta' },
  openapi: stringMap,
  namePrefix: str,
  nameSuffix: str,
  namespace: str,
  commonLabels: stringMap,
  labels: { list: { struct: labelsEntry, name: 'Label' } },
  commonAnnotations: stringMap,
  patchesStrategicMerge: strings,
  patchesJson6902: { list: { struct: { target: { struct: targetSelector, name: 'Selector' }, path: str, patch: str }, name: 'Patch' } },
  patches: {
    list: {
      struct: {
        path: str,
        patch: str,
        target: { struct: targetSelector, name: 'Selector' },
        options: { struct: { allowNameChange: 'bool', allowKindChange: 'bool' }, name: 'PatchOptions' },
      },
      name: 'Patch',
    },
  },
  images: { list: { struct: { name: str, newName: str, newTag: str, digest: str, tagSuffix: str }, name: 'Image' } },
  imageTags: { list: { struct: { name: str, newName: str, newTag: str, digest: str, tagSuffix: str }, name: 'Image' } },
  replacements: { list: { struct: replacementSchema, name: 'ReplacementField' } },
  replicas: { list: { struct: { name: str, count: 'int' }, name: 'Replica' } },
  vars: {
    list: {
      struct: {
        name: str,
        objref: { struct: { group: str, version: str, kind: str, name: str, namespace: str, apiVersion: str }, name: 'Target' },
        fieldref: { struct: { fieldpath: str }, name: 'FieldSelector' },
      },
      name: 'Var',
    },
  },
  sortOptions: {
    struct: {
      order: str,
      legacySortOptions: { struct: { orderFirst: strings, orderLast: strings }, name: 'LegacySortOptions' },
    },
    name: 'SortOptions',
  },
  resources: strings,
  components: strings,
  crds: strings,
  bases: strings,
  configMapGenerator: { list: { struct: generatorArgsSchema, name: 'ConfigMapArgs' } },
  secretGenerator: { list: { struct: generatorArgsSchema, name: 'SecretArgs' } },
  helmGlobals: 'any',
  helmCharts: 'any',
  helmChartInflationGenerator: 'any',
  generatorOptions: { struct: generatorOptions, name: 'GeneratorOptions' },
  configurations: strings,
  generators: strings,
  transformers: strings,
  validators: strings,
  buildMetadata: strings,
};
