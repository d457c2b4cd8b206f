import fc from 'fast-check';
import { stringify } from 'yaml';

/** A generated kustomization tree: files by path relative to the tree root, and the directory to build. */
export interface GeneratedTree {
  readonly files: Record<string, string>;
  readonly buildDir: string;
  readonly reorder: 'legacy' | 'none';
}

const images = ['nginx', 'nginx:1.25', 'redis:7', 'registry.example.com/team/app:2.0', 'busybox@sha256:' + 'a'.repeat(64)];
const labelKeys = ['app', 'tier', 'team', 'env'];
const labelValues = ['web', 'db', 'blue', 'green', '1'];

const labelMap = fc.dictionary(fc.constantFrom(...labelKeys), fc.constantFrom(...labelValues), { maxKeys: 2 });

interface BaseModel {
  deployments: { replicas: number | undefined; image: string; useConfigMap: boolean; useSecret: boolean; labels: Record<string, string> }[];
  services: number;
  configMaps: Record<string, string>[];
  withServiceAccount: boolean;
  customs: number;
  generators: { literals: [string, string][]; disableHash: boolean }[];
  secretGenerator: boolean;
  /** Lines of an env file for a generator: `KEY=value`, comments, blank lines, and bare keys, some of variables every environment sets. */
  envFile: string[] | undefined;
}

const baseModel: fc.Arbitrary<BaseModel> = fc.record({
  deployments: fc.array(
    fc.record({
      replicas: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
      image: fc.constantFrom(...images),
      useConfigMap: fc.boolean(),
      useSecret: fc.boolean(),
      labels: labelMap,
    }),
    { minLength: 1, maxLength: 3 },
  ),
  services: fc.integer({ min: 0, max: 2 }),
  configMaps: fc.array(fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('x', 'true', '42', 'hello world')), { maxLength: 2 }),
  withServiceAccount: fc.boolean(),
  customs: fc.integer({ min: 0, max: 2 }),
  generators: fc.array(
    fc.record({
      literals: fc.array(fc.tuple(fc.constantFrom('K1', 'K2', 'key.three'), fc.constantFrom('v', 'a=b', '"quoted"', '1', '<&>')), { minLength: 1, maxLength: 3 }),
      disableHash: fc.boolean(),
    }),
    { maxLength: 2 },
  ),
  secretGenerator: fc.boolean(),
  envFile: fc.option(fc.array(fc.constantFrom('HOME', 'PATH', 'WEFT_UNSET_KEY', 'TIER=gold', 'EMPTY=', 'SPACED= two words ', '# a comment', '', 'MODE=on', 'LEVEL=0755'), { minLength: 1, maxLength: 5 }), { nil: undefined }),
});

interface OverlayModel {
  namePrefix: string | undefined;
  nameSuffix: string | undefined;
  namespace: string | undefined;
  commonLabels: Record<string, string>;
  labels: { pairs: Record<string, string>; includeSelectors: boolean; includeTemplates: boolean } | undefined;
  commonAnnotations: Record<string, string>;
  image: { newTag: string | undefined; newName: string | undefined } | undefined;
  replicas: number | undefined;
  smp: { replicas: number | undefined; label: string | undefined; env: string | undefined; byTarget: boolean } | undefined;
  json6902: { op: 'replace-replicas' | 'add-annotation'; regexTarget: boolean } | undefined;
  mergeGenerator: [string, string] | undefined;
  newGenerator: [string, string] | undefined;
  component: { label: string; deleteSidecar: boolean } | undefined;
  replacement: { create: boolean; delimiterIndex: number | undefined } | undefined;
}

const overlayModel: fc.Arbitrary<OverlayModel> = fc.record({
  namePrefix: fc.option(fc.constantFrom('dev-', 'prod-', 'x-'), { nil: undefined }),
  nameSuffix: fc.option(fc.constantFrom('-v1', '-blue'), { nil: undefined }),
  namespace: fc.option(fc.constantFrom('staging', 'prod'), { nil: undefined }),
  commonLabels: labelMap,
  labels: fc.option(fc.record({ pairs: labelMap, includeSelectors: fc.boolean(), includeTemplates: fc.boolean() }), { nil: undefined }),
  commonAnnotations: fc.dictionary(fc.constantFrom('note', 'owner'), fc.constantFrom('me', 'team a', '7'), { maxKeys: 2 }),
  image: fc.option(fc.record({ newTag: fc.option(fc.constantFrom('2.0', 'latest'), { nil: undefined }), newName: fc.option(fc.constantFrom('mirror/nginx'), { nil: undefined }) }), { nil: undefined }),
  replicas: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
  smp: fc.option(
    fc.record({
      replicas: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      label: fc.option(fc.constantFrom('patched', 'yes'), { nil: undefined }),
      env: fc.option(fc.constantFrom('A', 'B'), { nil: undefined }),
      byTarget: fc.boolean(),
    }),
    { nil: undefined },
  ),
  json6902: fc.option(fc.record({ op: fc.constantFrom('replace-replicas' as const, 'add-annotation' as const), regexTarget: fc.boolean() }), { nil: undefined }),
  mergeGenerator: fc.option(fc.tuple(fc.constantFrom('K1', 'K9'), fc.constantFrom('merged', '2')), { nil: undefined }),
  newGenerator: fc.option(fc.tuple(fc.constantFrom('X', 'Y'), fc.constantFrom('new', 'false')), { nil: undefined }),
  component: fc.option(fc.record({ label: fc.constantFrom('c1', 'c2'), deleteSidecar: fc.boolean() }), { nil: undefined }),
  replacement: fc.option(fc.record({ create: fc.boolean(), delimiterIndex: fc.option(fc.constantFrom(-1, 0, 5), { nil: undefined }) }), { nil: undefined }),
});

function yamlDocs(objects: unknown[]): string {
  return objects.map((object) => stringify(object, { aliasDuplicateObjects: false })).join('---\n');
}

function baseFiles(model: BaseModel): Record<string, string> {
  const objects: unknown[] = [];
  model.deployments.forEach((deployment, index) => {
    const container: Record<string, unknown> = { name: 'main', image: deployment.image };
    if (deployment.useConfigMap) container['envFrom'] = [{ configMapRef: { name: model.generators.length > 0 ? 'gen0' : 'plain0' } }];
    const podSpec: Record<string, unknown> = { containers: [container] };
    if (model.withServiceAccount) podSpec['serviceAccountName'] = 'runner';
    if (deployment.useSecret) podSpec['volumes'] = [{ name: 'creds', secret: { secretName: 'creds' } }];
    const labels = { app: `d${index}`, ...deployment.labels };
    const spec: Record<string, unknown> = { selector: { matchLabels: { app: `d${index}` } }, template: { metadata: { labels }, spec: podSpec } };
    if (deployment.replicas !== undefined) spec['replicas'] = deployment.replicas;
    objects.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `d${index}`, labels }, spec });
  });
  for (let index = 0; index < model.services; index++) {
    objects.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `s${index}` }, spec: { selector: { app: `d${index}` }, ports: [{ port: 80, targetPort: 8080 }] } });
  }
  model.configMaps.forEach((data, index) => objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: index === 0 ? 'plain0' : `plain${index}` }, data }));
  if (model.withServiceAccount) {
    objects.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'runner' } });
    objects.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'runner-binding' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: 'runner' }],
    });
  }
  for (let index = 0; index < model.customs; index++) {
    objects.push({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: `w${index}` }, spec: { size: index, items: [{ name: 'a', value: 1 }] } });
  }
  const kustomization: Record<string, unknown> = { resources: ['resources.yaml'] };
  if (model.generators.length > 0) {
    kustomization['configMapGenerator'] = model.generators.map((generator, index) => ({
      name: `gen${index}`,
      literals: [...new Map(generator.literals).entries()].map(([key, value]) => `${key}=${value}`),
      ...(generator.disableHash ? { options: { disableNameSuffixHash: true } } : {}),
    }));
  }
  if (model.secretGenerator) kustomization['secretGenerator'] = [{ name: 'creds', literals: ['password=hunter2', 'user=admin'] }];
  if (model.envFile !== undefined) {
    kustomization['configMapGenerator'] = [...((kustomization['configMapGenerator'] as unknown[] | undefined) ?? []), { name: 'settings', envs: ['settings.env'] }];
  }
  return {
    'base/resources.yaml': yamlDocs(objects),
    'base/kustomization.yaml': stringify(kustomization),
    ...(model.envFile === undefined ? {} : { 'base/settings.env': `${model.envFile.join('\n')}\n` }),
  };
}

function overlayFiles(model: OverlayModel, level: number, parent: string, base: BaseModel): Record<string, string> {
  const directory = `overlay${level}`;
  const files: Record<string, string> = {};
  const kustomization: Record<string, unknown> = { resources: [`../${parent}`] };
  if (model.namePrefix !== undefined) kustomization['namePrefix'] = model.namePrefix;
  if (model.nameSuffix !== undefined) kustomization['nameSuffix'] = model.nameSuffix;
  if (model.namespace !== undefined) kustomization['namespace'] = model.namespace;
  if (Object.keys(model.commonLabels).length > 0) kustomization['commonLabels'] = model.commonLabels;
  if (model.labels !== undefined && Object.keys(model.labels.pairs).length > 0) kustomization['labels'] = [model.labels];
  if (Object.keys(model.commonAnnotations).length > 0) kustomization['commonAnnotations'] = model.commonAnnotations;
  if (model.image !== undefined && (model.image.newTag !== undefined || model.image.newName !== undefined)) {
    kustomization['images'] = [{ name: 'nginx', ...(model.image.newTag === undefined ? {} : { newTag: model.image.newTag }), ...(model.image.newName === undefined ? {} : { newName: model.image.newName }) }];
  }
  if (model.replicas !== undefined) kustomization['replicas'] = [{ name: 'd0', count: model.replicas }];
  const patches: unknown[] = [];
  if (model.smp !== undefined) {
    const patch: Record<string, unknown> = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd0', ...(model.smp.label === undefined ? {} : { labels: { patched: model.smp.label } }) } };
    const spec: Record<string, unknown> = {};
    if (model.smp.replicas !== undefined) spec['replicas'] = model.smp.replicas;
    if (model.smp.env !== undefined) spec['template'] = { spec: { containers: [{ name: 'main', env: [{ name: model.smp.env, value: 'on' }] }] } };
    if (Object.keys(spec).length > 0) patch['spec'] = spec;
    files[`${directory}/smp.yaml`] = stringify(patch);
    patches.push(model.smp.byTarget ? { path: 'smp.yaml', target: { kind: 'Deployment', name: 'd0' } } : { path: 'smp.yaml' });
  }
  if (model.json6902 !== undefined) {
    const operations =
      model.json6902.op === 'replace-replicas'
        ? [{ op: 'add', path: '/spec/replicas', value: 7 }]
        : [{ op: 'add', path: '/metadata/annotations', value: { patched: 'json' } }];
    patches.push({ patch: JSON.stringify(operations), target: { kind: 'Deployment', name: model.json6902.regexTarget ? 'd.*' : 'd0' } });
  }
  if (patches.length > 0) kustomization['patches'] = patches;
  const generators: unknown[] = [];
  if (model.mergeGenerator !== undefined && base.generators.length > 0) {
    generators.push({ name: 'gen0', behavior: 'merge', literals: [`${model.mergeGenerator[0]}=${model.mergeGenerator[1]}`] });
  }
  if (model.newGenerator !== undefined) generators.push({ name: `extra${level}`, literals: [`${model.newGenerator[0]}=${model.newGenerator[1]}`] });
  if (generators.length > 0) kustomization['configMapGenerator'] = generators;
  if (model.component !== undefined) {
    const component: Record<string, unknown> = {
      apiVersion: 'kustomize.config.k8s.io/v1alpha1',
      kind: 'Component',
      labels: [{ pairs: { component: model.component.label } }],
    };
    if (model.component.deleteSidecar) {
      component['patches'] = [
        {
          target: { kind: 'Deployment' },
          patch: stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'any' }, spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } }),
        },
      ];
    }
    files[`component${level}/kustomization.yaml`] = stringify(component);
    kustomization['components'] = [`../component${level}`];
  }
  if (model.replacement !== undefined) {
    const options: Record<string, unknown> = {};
    if (model.replacement.create) options['create'] = true;
    if (model.replacement.delimiterIndex !== undefined) {
      options['delimiter'] = '-';
      options['index'] = model.replacement.delimiterIndex;
    }
    kustomization['replacements'] = [
      {
        source: { kind: 'Deployment', name: 'd0', fieldPath: 'metadata.name' },
        targets: [{ select: { kind: 'Deployment' }, fieldPaths: model.replacement.create ? ['metadata.annotations.account', 'spec.template.spec.containers.[name=main].image'] : ['spec.template.spec.containers.[name=main].image'], options }],
      },
    ];
  }
  files[`${directory}/kustomization.yaml`] = stringify(kustomization);
  return files;
}

/** Arbitrary kustomization trees: a base with resources and generators, and up to three overlays. */
export const kustomizationTree: fc.Arbitrary<GeneratedTree> = fc
  .record({ base: baseModel, overlays: fc.array(overlayModel, { maxLength: 3 }), reorder: fc.constantFrom('legacy' as const, 'none' as const) })
  .map(({ base, overlays, reorder }) => {
    let files = baseFiles(base);
    let parent = 'base';
    overlays.forEach((overlay, index) => {
      files = { ...files, ...overlayFiles(overlay, index + 1, parent, base) };
      parent = `overlay${index + 1}`;
    });
    return { files, buildDir: parent, reorder };
  });
