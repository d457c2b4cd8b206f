import { KustomizationFileError } from '../errors.js';
import {
  commonAnnotationFieldSpecs,
  commonLabelFieldSpecs,
  defaultNameReferenceRules,
  imageFieldSpecs,
  namespaceFieldSpecs,
  replicaFieldSpecs,
  templateLabelFieldSpecs,
  volumeClaimTemplateLabelFieldSpecs,
  type FieldSpec,
  type NameReferenceRule,
} from './field-spec.js';
import { isJsonMap, type JsonMap, type JsonValue } from '../json.js';
import { mergeFieldSpecs } from './labels.js';
import { parseYamlDocuments } from '../manifest-yaml.js';

/** The field specs every built-in transformer works from (kustomize's `configurations:`). */
export interface TransformerConfig {
  namePrefix: FieldSpec[];
  nameSuffix: FieldSpec[];
  namespace: FieldSpec[];
  commonLabels: FieldSpec[];
  templateLabels: FieldSpec[];
  /** Label paths `labels[].includeVolumeClaimTemplates` adds (a StatefulSet's volume claim templates). */
  volumeClaimTemplateLabels: FieldSpec[];
  /** Extra field specs of the `labels:` transformer (none by default; commonLabels does not use them). */
  labels: FieldSpec[];
  commonAnnotations: FieldSpec[];
  images: FieldSpec[];
  replicas: FieldSpec[];
  varReference: FieldSpec[];
  nameReference: NameReferenceRule[];
}

const varReferenceKinds: Record<string, string> = {
  CronJob: 'spec/jobTemplate/spec/template/spec/',
  DaemonSet: 'spec/template/spec/',
  Deployment: 'spec/template/spec/',
  Job: 'spec/template/spec/',
  Pod: 'spec/',
  ReplicaSet: 'spec/template/spec/',
  StatefulSet: 'spec/template/spec/',
};

function defaultVarReferences(): FieldSpec[] {
  const specs: FieldSpec[] = [];
  for (const [kind, prefix] of Object.entries(varReferenceKinds)) {
    for (const list of ['containers', 'initContainers']) {
      for (const field of ['args', 'command', 'env/value', 'volumeMounts/mountPath']) specs.push({ path: `${prefix}${list}/${field}`, kind });
    }
  }
  for (const [kind, path] of [
    ['PersistentVolume', 'spec/nfs/server'],
    ['Pod', 'spec/volumes/nfs/server'],
    ['Deployment', 'spec/template/spec/volumes/nfs/server'],
    ['ReplicaSet', 'spec/template/spec/volumes/nfs/server'],
    ['DaemonSet', 'spec/template/spec/volumes/nfs/server'],
    ['Job', 'spec/template/spec/volumes/nfs/server'],
    ['CronJob', 'spec/jobTemplate/spec/template/volumes/nfs/server'],
    ['StatefulSet', 'spec/volumeClaimTemplates/spec/nfs/server'],
    ['Deployment', 'spec/template/metadata/annotations'],
  ] as const) specs.push({ path, kind });
  specs.push(
    { path: 'spec/rules/host', kind: 'Ingress' },
    { path: 'spec/tls/hosts', kind: 'Ingress' },
    { path: 'spec/tls/secretName', kind: 'Ingress' },
    { path: 'spec/ports/port', kind: 'Service' },
    { path: 'spec/ports/targetPort', kind: 'Service' },
    { path: 'metadata/labels' },
    { path: 'metadata/annotations' },
  );
  return specs;
}

/** kustomize's built-in transformer configuration. */
export function defaultTransformerConfig(): TransformerConfig {
  return {
    namePrefix: [{ path: 'metadata/name' }],
    nameSuffix: [{ path: 'metadata/name' }],
    namespace: [...namespaceFieldSpecs],
    commonLabels: [...commonLabelFieldSpecs],
    templateLabels: [...templateLabelFieldSpecs],
    volumeClaimTemplateLabels: [...volumeClaimTemplateLabelFieldSpecs],
    labels: [],
    commonAnnotations: [...commonAnnotationFieldSpecs],
    images: [...imageFieldSpecs],
    replicas: [...replicaFieldSpecs],
    varReference: defaultVarReferences(),
    nameReference: defaultNameReferenceRules.map((rule) => ({ target: rule.target, fieldSpecs: [...rule.fieldSpecs] })),
  };
}

/** An empty configuration (what a `configurations:` file adds to). */
export function emptyTransformerConfig(): TransformerConfig {
  return {
    namePrefix: [],
    nameSuffix: [],
    namespace: [],
    commonLabels: [],
    templateLabels: [],
    volumeClaimTemplateLabels: [],
    labels: [],
    commonAnnotations: [],
    images: [],
    replicas: [],
    varReference: [],
    nameReference: [],
  };
}

function sameTarget(a: NameReferenceRule['target'], b: NameReferenceRule['target']): boolean {
  return a.kind === b.kind && (a.group ?? '') === (b.group ?? '') && (a.version ?? '') === (b.version ?? '');
}

/** Merges `other` into `config` (field specs appended without duplicates, name references grouped by target). */
export function mergeTransformerConfig(config: TransformerConfig, other: TransformerConfig): TransformerConfig {
  const nameReference = config.nameReference.map((rule) => ({ target: rule.target, fieldSpecs: [...rule.fieldSpecs] }));
  for (const rule of other.nameReference) {
    const existing = nameReference.find((candidate) => sameTarget(candidate.target, rule.target));
    if (existing === undefined) nameReference.push({ target: rule.target, fieldSpecs: [...rule.fieldSpecs] });
    else existing.fieldSpecs = mergeFieldSpecs(existing.fieldSpecs, rule.fieldSpecs);
  }
  return {
    namePrefix: mergeFieldSpecs(config.namePrefix, other.namePrefix),
    nameSuffix: mergeFieldSpecs(config.nameSuffix, other.nameSuffix),
    namespace: mergeFieldSpecs(config.namespace, other.namespace),
    commonLabels: mergeFieldSpecs(config.commonLabels, other.commonLabels),
    templateLabels: mergeFieldSpecs(config.templateLabels, other.templateLabels),
    volumeClaimTemplateLabels: mergeFieldSpecs(config.volumeClaimTemplateLabels, other.volumeClaimTemplateLabels),
    labels: mergeFieldSpecs(config.labels, other.labels),
    commonAnnotations: mergeFieldSpecs(config.commonAnnotations, other.commonAnnotations),
    images: mergeFieldSpecs(config.images, other.images),
    replicas: mergeFieldSpecs(config.replicas, other.replicas),
    varReference: mergeFieldSpecs(config.varReference, other.varReference),
    nameReference,
  };
}

function toFieldSpecs(value: JsonValue | undefined, file: string, field: string): FieldSpec[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new KustomizationFileError(`${file}: ${field} must be a list of field specs`, { file });
  return value.map((item) => {
    if (!isJsonMap(item) || typeof item['path'] !== 'string') throw new KustomizationFileError(`${file}: ${field}: each field spec needs a path`, { file });
    const spec: FieldSpec = { path: item['path'] };
    for (const key of ['group', 'version', 'kind'] as const) if (typeof item[key] === 'string') spec[key] = item[key] as string;
    if (item['create'] === true) spec.create = true;
    return spec;
  });
}

const configFields = ['namePrefix', 'nameSuffix', 'namespace', 'commonLabels', 'templateLabels', 'volumeClaimTemplateLabels', 'labels', 'commonAnnotations', 'images', 'replicas', 'varReference'] as const;

/**
 * Reads a `configurations:` file (transformer field specs) as kustomize does.
 *
 * @throws KustomizationFileError for unknown keys or malformed specs.
 */
export function parseTransformerConfig(text: string, file: string): TransformerConfig {
  const config = emptyTransformerConfig();
  for (const document of parseYamlDocuments(text, file, { reader: 'sigs-yaml' })) {
    if (!isJsonMap(document)) throw new KustomizationFileError(`${file}: a transformer configuration must be a map`, { file });
    for (const [key, value] of Object.entries(document)) {
      const known = configFields.find((field) => field.toLowerCase() === key.toLowerCase());
      if (known !== undefined) {
        config[known] = mergeFieldSpecs(config[known], toFieldSpecs(value, file, key));
        continue;
      }
      if (key.toLowerCase() === 'namereference') {
        if (!Array.isArray(value)) throw new KustomizationFileError(`${file}: nameReference must be a list`, { file });
        for (const item of value) {
          if (!isJsonMap(item) || typeof item['kind'] !== 'string') throw new KustomizationFileError(`${file}: nameReference entries need a kind`, { file });
          const target: { kind: string; group?: string; version?: string } = { kind: item['kind'] };
          if (typeof item['group'] === 'string') target.group = item['group'];
          if (typeof item['version'] === 'string') target.version = item['version'];
          config.nameReference = mergeTransformerConfig(config, { ...emptyTransformerConfig(), nameReference: [{ target, fieldSpecs: toFieldSpecs(item['fieldSpecs'], file, 'fieldSpecs') }] }).nameReference;
        }
        continue;
      }
      throw new KustomizationFileError(`${file}: json: unknown field "${key}" in transformer configuration`, { file });
    }
  }
  return config;
}
