/**
 * Focused tests for the differences the krusty differential run (krusty-differential.test.ts)
 * found between Weft and kustomize v5.8.2; each expectation is what the real kustomize printed.
 */
import { describe, expect, it } from 'vitest';
import { build, KustomizationFileError, memoryFs, toYamlStream } from '../index.js';

const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dummy\ndata:\n  dummy: value\n';

async function buildText(files: Record<string, string>, directory = '/app'): Promise<string> {
  return toYamlStream(await build(directory, { fs: memoryFs(files), reorder: 'none' }));
}

describe('patchesStrategicMerge with empty entries', () => {
  it('refuses entries that together hold no patch (empty file, comments only)', async () => {
    const attempt = buildText({
      '/app/kustomization.yaml': 'resources: [cm.yaml]\npatchesStrategicMerge:\n- empty.yaml\n- comments.yaml\n',
      '/app/cm.yaml': configMap,
      '/app/empty.yaml': '',
      '/app/comments.yaml': '\n# only a comment\n',
    });
    await expect(attempt).rejects.toBeInstanceOf(KustomizationFileError);
    await expect(attempt).rejects.toThrow('patch appears to be empty; files=[empty.yaml comments.yaml]');
  });

  it('refuses a lone empty entry', async () => {
    const attempt = buildText({ '/app/kustomization.yaml': 'resources: [cm.yaml]\npatchesStrategicMerge:\n- ""\n', '/app/cm.yaml': configMap });
    await expect(attempt).rejects.toThrow('patch appears to be empty');
  });

  it('accepts an empty entry or file next to a real patch, as kustomize does', async () => {
    const text = await buildText({
      '/app/kustomization.yaml': 'resources: [cm.yaml]\npatchesStrategicMerge:\n- ""\n- empty.yaml\n- patch.yaml\n',
      '/app/cm.yaml': configMap,
      '/app/empty.yaml': '',
      '/app/patch.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dummy\ndata:\n  added: "yes"\n',
    });
    expect(text).toBe('apiVersion: v1\ndata:\n  added: "yes"\n  dummy: value\nkind: ConfigMap\nmetadata:\n  name: dummy\n');
  });
});

describe('secretGenerator merging into a Secret with stringData', () => {
  const secret = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: test\ntype: Opaque\n';

  it("folds the Secret's stringData into data, base64-encoded, and drops stringData", async () => {
    const text = await buildText({
      '/app/kustomization.yaml': 'resources: [secret.yaml]\nsecretGenerator:\n- name: test\n  behavior: merge\n  literals:\n  - property2=value2\n',
      '/app/secret.yaml': `${secret}data:\n  old: b2xk\nstringData:\n  property1: value1\n  old: new\n  port: 8080\n`,
    });
    // stringData wins over data for the same key, as the API server stores it
    expect(text).toBe('apiVersion: v1\ndata:\n  old: bmV3\n  port: ODA4MA==\n  property1: dmFsdWUx\n  property2: dmFsdWUy\nkind: Secret\nmetadata:\n  name: test\ntype: Opaque\n');
  });

  it('refuses a stringData value that is not a scalar, naming the Secret', async () => {
    const attempt = buildText({
      '/app/kustomization.yaml': 'resources: [secret.yaml]\nsecretGenerator:\n- name: test\n  behavior: merge\n  literals:\n  - a=b\n',
      '/app/secret.yaml': `${secret}stringData:\n  nested:\n    key: value\n`,
    });
    await expect(attempt).rejects.toThrow('stringData value for key "nested" must be a scalar');
  });

  it('leaves a ConfigMap generator merge alone (only Secrets are normalized)', async () => {
    const text = await buildText({
      '/app/kustomization.yaml': 'resources: [cm.yaml]\nconfigMapGenerator:\n- name: dummy\n  behavior: merge\n  literals:\n  - b=2\n',
      '/app/cm.yaml': configMap,
    });
    expect(text).toBe('apiVersion: v1\ndata:\n  b: "2"\n  dummy: value\nkind: ConfigMap\nmetadata:\n  name: dummy\n');
  });
});

describe('buildMetadata: the config object named in configuredBy', () => {
  it("includes the namespace of a transformer's and a generator's config", async () => {
    const text = await buildText({
      '/app/kustomization.yaml':
        'generators:\n- gen.yaml\ntransformers:\n- |-\n  apiVersion: builtin\n  kind: AnnotationsTransformer\n  metadata:\n    name: t1\n    namespace: tns\n  annotations:\n    a: b\n  fieldSpecs:\n  - path: metadata/annotations\n    create: true\nbuildMetadata: [originAnnotations, transformerAnnotations]\n',
      '/app/gen.yaml': 'apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: cm\n  namespace: gns\nliterals:\n- a=b\n',
    });
    // what kustomize v5.8.2 printed for the same tree
    expect(text).toBe(
      [
        'apiVersion: v1',
        'data:',
        '  a: b',
        'kind: ConfigMap',
        'metadata:',
        '  annotations:',
        '    a: b',
        '    alpha.config.kubernetes.io/transformations: |',
        '      - configuredIn: kustomization.yaml',
        '        configuredBy:',
        '          apiVersion: builtin',
        '          kind: AnnotationsTransformer',
        '          name: t1',
        '          namespace: tns',
        '    config.kubernetes.io/origin: |',
        '      configuredIn: gen.yaml',
        '      configuredBy:',
        '        apiVersion: builtin',
        '        kind: ConfigMapGenerator',
        '        name: cm',
        '        namespace: gns',
        '  name: cm-4h2mbtbbt6',
        '  namespace: gns',
        '',
      ].join('\n'),
    );
  });
});

describe('configurations: volumeClaimTemplateLabels', () => {
  it("are read (kustomize's default field specs carry them) and used by labels[].includeVolumeClaimTemplates", async () => {
    const text = await buildText({
      '/app/kustomization.yaml': 'resources: [sts.yaml, db.yaml]\nconfigurations: [config.yaml]\nlabels:\n- pairs:\n    team: a\n  includeVolumeClaimTemplates: true\n',
      '/app/config.yaml': 'volumeClaimTemplateLabels:\n- path: spec/claims[]/metadata/labels\n  kind: Database\n  create: true\n',
      '/app/sts.yaml': 'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: s\nspec:\n  volumeClaimTemplates:\n  - metadata:\n      name: data\n',
      '/app/db.yaml': 'apiVersion: example.com/v1\nkind: Database\nmetadata:\n  name: d\nspec:\n  claims:\n  - metadata:\n      name: c\n',
    });
    // what kustomize v5.8.2 printed for the same tree
    expect(text).toBe(
      'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  labels:\n    team: a\n  name: s\nspec:\n  volumeClaimTemplates:\n  - metadata:\n      labels:\n        team: a\n      name: data\n---\n' +
        'apiVersion: example.com/v1\nkind: Database\nmetadata:\n  labels:\n    team: a\n  name: d\nspec:\n  claims:\n  - metadata:\n      labels:\n        team: a\n      name: c\n',
    );
  });
});
