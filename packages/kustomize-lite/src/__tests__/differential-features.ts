import fc from 'fast-check';
import type { GeneratedTree } from './differential-trees.js';

/**
 * Trees that combine the features real repositories use and generated YAML rarely does: YAML 1.1
 * scalars written plain and quoted, octal file modes, timestamps, block scalars ending the file
 * without a line break, quoted scalars continued at the key's column, null and empty annotations,
 * integer label values, binding subjects with and without namespaces, replicas beside a
 * same-named ServiceAccount, replacements with leading-dot field paths, `delimiter: .` and
 * rejects, empty generators, `behavior: add`, Components built on their own, non-core Namespace
 * kinds, flowcontrol v1 kinds, and strategic merge patches that null fields.
 *
 * The files are written as text (not through a YAML library) so the quoting is exactly as drawn.
 */

/** Scalars as they appear in manifests, each with the quoting it is written with. */
const scalarTexts = [
  'yes', 'no', 'on', 'off', 'y', 'n', 'Yes', 'NO', 'true', 'False',
  '"yes"', "'no'", '"on"', '"y"', '"true"',
  '0755', '0644', '"0755"', '0o17', '0x1F', '08', '1e3', '.5', '1_000', '-12', '+3',
  '2024-01-31', '"2024-01-31"', '2001-12-14t21:59:43.10-05:00', '2024-13-45', '1:20',
  '~', 'null', '""', "''", '.inf', 'plain text', '"two  spaces"', "'it''s'", '"a: b"', '"#hash"', '"*"',
] as const;

/** Scalars safe as annotation or ConfigMap values in both tools (no infinity, which fails to convert). */
const stringishTexts = scalarTexts.filter((text) => text !== '.inf');

const labelValueTexts = ['"1"', '2', 'web', '"yes"', 'yes', 'v1.2', '"0755"'] as const;

interface FeatureModel {
  namespace: string | undefined;
  namePrefix: string | undefined;
  dataValues: string[];
  annotationValues: string[];
  annotationsForm: 'none' | 'null' | 'empty' | 'values';
  labelValue: string;
  defaultMode: string;
  blockScalarAtEnd: boolean;
  quotedContinuation: boolean;
  subjects: { name: string; namespace: string | undefined }[];
  replicas: number | undefined;
  sameNamedAccount: boolean;
  replacement: { leadingDot: boolean; dotDelimiter: boolean; reject: boolean } | undefined;
  emptyConfigMapGenerator: boolean;
  emptySecretGenerator: boolean;
  addBehavior: boolean;
  literalValues: string[];
  nullPatch: boolean;
  customNamespaceKind: boolean;
  flowcontrol: 'v1' | 'v1beta1' | undefined;
  buildComponent: boolean;
  reorder: 'legacy' | 'none';
}

const featureModel: fc.Arbitrary<FeatureModel> = fc.record({
  namespace: fc.option(fc.constantFrom('team-a', 'apps'), { nil: undefined }),
  namePrefix: fc.option(fc.constantFrom('dev-', 'prod-'), { nil: undefined }),
  dataValues: fc.array(fc.constantFrom(...stringishTexts), { minLength: 1, maxLength: 6 }),
  annotationValues: fc.array(fc.constantFrom(...stringishTexts), { maxLength: 3 }),
  annotationsForm: fc.constantFrom('none' as const, 'null' as const, 'empty' as const, 'values' as const),
  labelValue: fc.constantFrom(...labelValueTexts),
  defaultMode: fc.constantFrom('0755', '0644', '420', '0o600', '"0755"'),
  blockScalarAtEnd: fc.boolean(),
  quotedContinuation: fc.boolean(),
  subjects: fc.array(fc.record({ name: fc.constantFrom('runner', 'default', 'other'), namespace: fc.option(fc.constantFrom('default', 'kube-system', 'team-a'), { nil: undefined }) }), { maxLength: 3 }),
  replicas: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
  sameNamedAccount: fc.boolean(),
  replacement: fc.option(fc.record({ leadingDot: fc.boolean(), dotDelimiter: fc.boolean(), reject: fc.boolean() }), { nil: undefined }),
  emptyConfigMapGenerator: fc.boolean(),
  emptySecretGenerator: fc.boolean(),
  addBehavior: fc.boolean(),
  literalValues: fc.array(fc.constantFrom('yes', 'no', '0755', '2024-01-31', 'on', '~', 'plain', '1e3', ''), { maxLength: 3 }),
  nullPatch: fc.boolean(),
  customNamespaceKind: fc.boolean(),
  flowcontrol: fc.option(fc.constantFrom('v1' as const, 'v1beta1' as const), { nil: undefined }),
  buildComponent: fc.boolean(),
  reorder: fc.constantFrom('legacy' as const, 'none' as const),
});

function indent(lines: readonly string[], spaces: number): string[] {
  return lines.map((line) => (line === '' ? line : `${' '.repeat(spaces)}${line}`));
}

function resourcesFile(model: FeatureModel): string {
  const documents: string[][] = [];
  const metadata = ['metadata:', '  name: web', '  labels:', '    app: web', `    version: ${model.labelValue}`];
  if (model.annotationsForm === 'null') metadata.push('  annotations: null');
  if (model.annotationsForm === 'empty') metadata.push('  annotations: {}');
  if (model.annotationsForm === 'values') {
    metadata.push('  annotations:');
    model.annotationValues.forEach((value, index) => metadata.push(`    note-${index}: ${value}`));
    if (model.annotationValues.length === 0) metadata.push('    note: plain');
  }
  documents.push([
    'apiVersion: apps/v1',
    'kind: Deployment',
    ...metadata,
    'spec:',
    '  replicas: 1',
    '  selector:',
    '    matchLabels:',
    '      app: web',
    '  template:',
    '    metadata:',
    '      labels:',
    '        app: web',
    '    spec:',
    '      serviceAccountName: runner',
    '      containers:',
    '        - name: app',
    '          image: registry.example.com/web:1.2.3',
    '          args:',
    ...model.dataValues.slice(0, 3).map((value) => `            - ${value}`),
    '          env:',
    ...model.dataValues.slice(0, 3).flatMap((value, index) => [`            - name: VALUE_${index}`, `              value: ${value}`]),
    '      volumes:',
    '        - name: scripts',
    '          configMap:',
    '            name: scripts',
    `            defaultMode: ${model.defaultMode}`,
  ]);
  if (model.sameNamedAccount) documents.push(['apiVersion: v1', 'kind: ServiceAccount', 'metadata:', '  name: web']);
  documents.push(['apiVersion: v1', 'kind: ServiceAccount', 'metadata:', '  name: runner']);
  if (model.subjects.length > 0) {
    documents.push([
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: RoleBinding',
      'metadata:',
      '  name: runner-binding',
      'roleRef:',
      '  apiGroup: rbac.authorization.k8s.io',
      '  kind: ClusterRole',
      '  name: view',
      'subjects:',
      ...model.subjects.flatMap((subject) => ['  - kind: ServiceAccount', `    name: ${subject.name}`, ...(subject.namespace === undefined ? [] : [`    namespace: ${subject.namespace}`])]),
    ]);
  }
  if (model.customNamespaceKind) documents.push(['apiVersion: tenancy.example.com/v1', 'kind: Namespace', 'metadata:', '  name: workspace']);
  if (model.flowcontrol !== undefined) {
    documents.push([`apiVersion: flowcontrol.apiserver.k8s.io/${model.flowcontrol}`, 'kind: FlowSchema', 'metadata:', '  name: web-flows', 'spec:', '  matchingPrecedence: 500']);
  }
  if (model.quotedContinuation) {
    documents.push([
      'apiVersion: example.com/v1',
      'kind: Widget',
      'metadata:',
      '  name: gadget',
      'spec:',
      "  description: 'a long description that the author",
      "  continued at the key''s own column'",
      '  note: "double quoted and',
      '  continued too"',
    ]);
  }
  const configMap = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: scripts', 'data:', ...model.dataValues.map((value, index) => `  key-${index}: ${value}`)];
  // a block scalar as the last thing in the file, with no line break after it
  if (model.blockScalarAtEnd) configMap.push('  run.sh: |', '    #!/bin/sh', '    exec app');
  documents.push(configMap);
  const text = documents.map((lines) => lines.join('\n')).join('\n---\n');
  return model.blockScalarAtEnd ? text : `${text}\n`;
}

function kustomizationFile(model: FeatureModel, kind: 'Kustomization' | 'Component'): string {
  const lines: string[] = [];
  if (kind === 'Component') lines.push('apiVersion: kustomize.config.k8s.io/v1alpha1', 'kind: Component');
  lines.push('resources:', '  - resources.yaml');
  if (model.namespace !== undefined) lines.push(`namespace: ${model.namespace}`);
  if (model.namePrefix !== undefined) lines.push(`namePrefix: ${model.namePrefix}`);
  if (model.replicas !== undefined) lines.push('replicas:', '  - name: web', `    count: ${model.replicas}`);
  const generators: string[] = [];
  if (model.emptyConfigMapGenerator) generators.push('  - name: empty-settings');
  if (model.literalValues.length > 0 || model.addBehavior) {
    generators.push('  - name: settings', ...(model.addBehavior ? ['    behavior: add'] : []), '    literals:');
    const values = model.literalValues.length > 0 ? model.literalValues : ['plain'];
    values.forEach((value, index) => generators.push(`      - KEY_${index}=${value}`));
  }
  if (generators.length > 0) lines.push('configMapGenerator:', ...generators);
  if (model.emptySecretGenerator) lines.push('secretGenerator:', '  - name: empty-secret');
  if (model.replacement !== undefined) {
    const dot = model.replacement.leadingDot ? '.' : '';
    lines.push(
      'replacements:',
      '  - source:',
      '      kind: Deployment',
      '      name: web',
      `      fieldPath: ${dot}spec.template.spec.containers.0.image`,
      '      options:',
      '        delimiter: ":"',
      '        index: 1',
      '    targets:',
      '      - select:',
      '          kind: ConfigMap',
      ...(model.replacement.reject ? ['        reject:', '          - name: empty-settings', '          - labelSelector: skip=true'] : []),
      '        fieldPaths:',
      `          - ${dot}metadata.annotations.[example.com/image-tag]`,
      '        options:',
      '          create: true',
      ...(model.replacement.dotDelimiter ? ['  - source:', '      kind: ServiceAccount', '      name: runner', '      fieldPath: metadata.name', '    targets:', '      - select:', '          kind: Deployment', '        fieldPaths:', '          - metadata.annotations.[example.com/host]', '        options:', '          delimiter: .', '          index: 0', '          create: true'] : []),
    );
  }
  if (model.nullPatch) {
    lines.push(
      'patches:',
      '  - patch: |-',
      ...indent(['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', '  labels:', '    version: null', 'spec:', '  template:', '    spec:', '      serviceAccountName: null'], 6),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Trees of one kustomization (or one Component built directly) exercising real-repository features. */
export const featureTree: fc.Arbitrary<GeneratedTree> = featureModel.map((model) => ({
  files: {
    'app/resources.yaml': resourcesFile(model),
    'app/kustomization.yaml': kustomizationFile(model, model.buildComponent ? 'Component' : 'Kustomization'),
  },
  buildDir: 'app',
  reorder: model.reorder,
}));
