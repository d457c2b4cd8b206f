import { BuildAbortedError, KustomizeError, memoryFs, SubstitutionError } from '@weft/kustomize-lite';
import { describe, expect, it } from 'vitest';
import { buildManifests } from '../build-manifests.js';

const cm = (name: string, extra = '') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}`;

describe('the build step of a Kustomization', () => {
  it('generates a kustomization.yaml for a plain directory, as Flux does, and says which file each object came from', async () => {
    const fs = memoryFs({ '/apps/a.yaml': cm('a'), '/apps/sub/b.yaml': cm('b'), '/apps/README.md': '# not yaml' });
    const built = await buildManifests({ fs, path: './apps' });
    expect(built.objects.map((object) => object.metadata.name)).toEqual(['a', 'b']);
    expect(built.objects.map((object) => built.sourceOf(object))).toEqual(['apps/a.yaml', 'apps/sub/b.yaml']);
  });

  it('puts namespaced objects in targetNamespace through kustomize (cluster-scoped ones and RoleBinding subjects follow its rules)', async () => {
    const fs = memoryFs({
      '/kustomization.yaml': 'resources: [cm.yaml, ns.yaml, rb.yaml]\nnamespace: ignored\n',
      '/cm.yaml': cm('settings'),
      '/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: other\n',
      '/rb.yaml': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: rb\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects:\n- kind: ServiceAccount\n  name: default\n  namespace: ignored\n',
    });
    const { objects } = await buildManifests({ fs, targetNamespace: 'prod' });
    const byKind = Object.fromEntries(objects.map((object) => [object.kind, object]));
    expect(byKind['ConfigMap']?.metadata.namespace).toBe('prod');
    expect(byKind['Namespace']?.metadata.namespace).toBeUndefined();
    expect((byKind['RoleBinding'] as unknown as { subjects: { namespace: string }[] }).subjects[0]?.namespace).toBe('prod');
    // The artifact itself is untouched.
    expect(new TextDecoder().decode(await fs.readFile('/kustomization.yaml'))).toContain('namespace: ignored');
  });

  it('substitutes postBuild variables, inline ones winning, from objects it reads', async () => {
    const fs = memoryFs({ '/app.yaml': cm('app-${env}', 'data:\n  region: ${region}\n  size: "${size:=small}"\n') });
    const { objects } = await buildManifests({
      fs,
      postBuild: {
        substitute: { env: 'prod' },
        substituteFrom: [{ kind: 'ConfigMap', name: 'vars' }],
        getObject: async () => ({ data: { env: 'dev', region: 'eu-1' } }),
      },
    });
    expect(objects[0]).toMatchObject({ metadata: { name: 'app-prod' }, data: { region: 'eu-1', size: 'small' } });
  });

  it('fails on a variable set nowhere and without a default, as Flux does by default (StrictPostBuildSubstitutions); strict: false expands it to nothing', async () => {
    const fs = memoryFs({ '/app.yaml': cm('app', 'data:\n  region: ${region}\n  zone: "[${zone}]"\n') });
    const postBuild = { substitute: { region: 'eu-1' } };
    const strict = await buildManifests({ fs, postBuild }).catch((error: unknown) => error);
    expect(strict).toBeInstanceOf(SubstitutionError);
    expect((strict as Error).message).toMatch(/ConfigMap\/app.*variable not set \(strict mode\): zone/);
    const { objects } = await buildManifests({ fs, postBuild: { ...postBuild, strict: false } });
    expect(objects[0]).toMatchObject({ data: { region: 'eu-1', zone: '[]' } });
  });

  it('fails with a KustomizeError naming the file: a missing path, YAML that does not parse, a missing substituteFrom object', async () => {
    const fs = memoryFs({ '/apps/bad.yaml': 'kind: ConfigMap\nmetadata: [oops\n', '/ok/a.yaml': cm('a', 'data:\n  x: ${x}\n') });
    await expect(buildManifests({ fs, path: './missing' })).rejects.toThrow(/kustomization path not found: '.\/missing'/);
    const broken = await buildManifests({ fs, path: './apps' }).catch((error: unknown) => error);
    expect(broken).toBeInstanceOf(KustomizeError);
    expect((broken as Error).message).toContain('bad.yaml');
    const unset = buildManifests({ fs, path: './ok', postBuild: { substituteFrom: [{ kind: 'Secret', name: 'vars' }], getObject: async () => undefined } });
    await expect(unset).rejects.toBeInstanceOf(SubstitutionError);
    await expect(unset).rejects.toThrow(/Secret\/vars/);
  });

  it('builds a large artifact off the calling thread: an abort in the middle of parsing the 60,000-key ConfigMap of issue 14 is honoured at once', async () => {
    const data = Array.from({ length: 60_000 }, (_, index) => `  key${String(index).padStart(5, '0')}: value`).join('\n');
    const fs = memoryFs({ '/big/big.yaml': cm('big', `data:\n${data}\n`) });
    // in process, the parse (seconds) would run to its end before the abort is seen
    const controller = new AbortController();
    const building = buildManifests({ fs, path: './big', signal: controller.signal }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    const aborted = performance.now();
    expect(await building).toBeInstanceOf(BuildAbortedError);
    expect(performance.now() - aborted).toBeLessThan(1000);
  });
});
