import { execFile } from 'node:child_process';
import { appendFile, cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build, nodeFs } from '@weft/kustomize-lite';
import { findKustomizeBinary } from '@weft/testkit';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseCliOptions } from '../cli-options.js';
import { controllerCrds } from '../controllers.js';
import { crdFiles, renderCrdsYaml } from '../crd-manifests.js';

const deployDir = fileURLToPath(new URL('../../deploy', import.meta.url));

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [field: string]: any };

describe('deploy/: the kustomization that installs the operator', () => {
  it.each(crdFiles.map((file) => [file.file, file] as const))('holds %s as the resource definitions generate it (run `pnpm deploy:crds` after changing a schema)', async (name, file) => {
    expect(await readFile(`${deployDir}/${name}`, 'utf8')).toBe(await renderCrdsYaml(file));
  });

  it('builds with kustomize-lite into the CRDs, a namespace, RBAC and a Deployment, all in weft-system', async () => {
    const objects = (await build(deployDir, { fs: nodeFs() })) as unknown as Manifest[];
    expect(objects.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual(
      [
        'ClusterRole/weft-gitops-operator',
        'ClusterRole/weft-gitops-operator-apply',
        'ClusterRoleBinding/weft-gitops-operator',
        'ClusterRoleBinding/weft-gitops-operator-apply',
        'CustomResourceDefinition/gitrepositories.source.weft.dev',
        'CustomResourceDefinition/kustomizations.kustomize.weft.dev',
        'Deployment/weft-gitops-operator',
        'Namespace/weft-system',
        'Role/weft-gitops-operator-leader-election',
        'RoleBinding/weft-gitops-operator-leader-election',
        'ServiceAccount/weft-gitops-operator',
      ].sort(),
    );
    for (const object of objects) expect(object.metadata.labels?.['app.kubernetes.io/part-of']).toBe('weft-gitops-operator');
    for (const kind of ['ServiceAccount', 'Deployment', 'Role', 'RoleBinding']) {
      expect(objects.find((object) => object.kind === kind)?.metadata.namespace).toBe('weft-system');
    }
    for (const binding of objects.filter((object) => object.kind.endsWith('Binding'))) {
      expect(binding['subjects']).toEqual([{ kind: 'ServiceAccount', name: 'weft-gitops-operator', namespace: 'weft-system' }]);
    }
  });

  // The reference binary is built by tools/ (with Go); without it there is nothing to compare with,
  // except in CI, where a missing binary must fail the run rather than skip the comparison.
  it.skipIf(findKustomizeBinary() === undefined && process.env['CI'] !== 'true')('builds the same objects as the kustomize binary', async () => {
    const kustomize = findKustomizeBinary();
    if (!kustomize) throw new Error('CI=true but the kustomize reference binary is missing: run tools/control-plane/build.sh');
    const { stdout } = await promisify(execFile)(kustomize, ['build', deployDir], { maxBuffer: 16 * 1024 * 1024 });
    expect(await build(deployDir, { fs: nodeFs() })).toEqual(parseAllDocuments(stdout).map((document) => document.toJS()));
  });

  it('grants least privilege: no wildcards, no CRD writes, status and finalizers apart, the Lease only in its namespace', async () => {
    const objects = (await build(deployDir, { fs: nodeFs() })) as unknown as Manifest[];
    const rulesOf = (kind: string, name: string) => objects.find((object) => object.kind === kind && object.metadata.name === name)!['rules'] as Rule[];
    const all = [...rulesOf('ClusterRole', 'weft-gitops-operator'), ...rulesOf('ClusterRole', 'weft-gitops-operator-apply'), ...rulesOf('Role', 'weft-gitops-operator-leader-election')];
    for (const rule of all) {
      expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain('*');
      expect(rule.resources).not.toContain('customresourcedefinitions');
      expect(rule.resources).not.toContain('clusterroles');
    }
    const can = (rules: Rule[], group: string, resource: string, verb: string) => rules.some((rule) => rule.apiGroups.includes(group) && rule.resources.includes(resource) && rule.verbs.includes(verb));
    const operator = rulesOf('ClusterRole', 'weft-gitops-operator');
    expect(can(operator, 'kustomize.weft.dev', 'kustomizations/status', 'patch')).toBe(true);
    expect(can(operator, 'kustomize.weft.dev', 'kustomizations', 'watch')).toBe(true);
    expect(can(operator, 'kustomize.weft.dev', 'kustomizations', 'update')).toBe(false);
    expect(can(operator, 'source.weft.dev', 'gitrepositories/status', 'patch')).toBe(true);
    expect(can(operator, 'source.weft.dev', 'gitrepositories', 'patch')).toBe(false);
    expect(can(operator, '', 'secrets', 'get')).toBe(true);
    expect(can(operator, '', 'secrets', 'list')).toBe(false);
    expect(can(operator, 'coordination.k8s.io', 'leases', 'update')).toBe(false);
    expect(can(rulesOf('Role', 'weft-gitops-operator-leader-election'), 'coordination.k8s.io', 'leases', 'update')).toBe(true);
  });

  it('runs the Deployment with leader election, probes on the health port and the metrics port exposed', async () => {
    const objects = (await build(deployDir, { fs: nodeFs() })) as unknown as Manifest[];
    const deployment = objects.find((object) => object.kind === 'Deployment')!;
    const pod = deployment['spec'].template.spec;
    const container = pod.containers[0];
    expect(pod.serviceAccountName).toBe('weft-gitops-operator');
    expect(container.args).toEqual(expect.arrayContaining(['--metrics-port=8080', '--health-port=9440', '--leader-elect', '--no-install-crds']));
    expect(container.ports).toEqual([
      { name: 'metrics', containerPort: 8080 },
      { name: 'health', containerPort: 9440 },
    ]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health' });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container.env).toContainEqual({ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
  });
});

/** deploy/ with components added, as `weft install --components-extra` and a user's overlay add them: a copy whose kustomization lists them. */
async function withComponents(components: readonly string[]): Promise<{ dir: string; [Symbol.asyncDispose](): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-deploy-'));
  await cp(deployDir, dir, { recursive: true });
  await appendFile(join(dir, 'kustomization.yaml'), `components:\n${components.map((component) => `  - components/${component}\n`).join('')}`);
  return { dir, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}

describe('deploy/components: image automation and canaries, as Flux splits its extra components', () => {
  const extras = ['image-automation', 'progressive'];

  it('adds the CRDs, a ClusterRole and binding each, and the --controllers the operator runs them with', async () => {
    await using copy = await withComponents(extras);
    const objects = (await build(copy.dir, { fs: nodeFs() })) as unknown as Manifest[];
    const base = (await build(deployDir, { fs: nodeFs() })) as unknown as Manifest[];
    const added = objects.filter((object) => !base.some((other) => other.kind === object.kind && other.metadata.name === object.metadata.name));
    expect(added.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual(
      [
        'ClusterRole/weft-gitops-operator-image-automation',
        'ClusterRole/weft-gitops-operator-progressive',
        'ClusterRoleBinding/weft-gitops-operator-image-automation',
        'ClusterRoleBinding/weft-gitops-operator-progressive',
        ...(await controllerCrds(['image', 'progressive'])).map((crd) => `CustomResourceDefinition/${crd.metadata.name}`),
      ].sort(),
    );
    for (const object of objects) expect(object.metadata.labels?.['app.kubernetes.io/part-of']).toBe('weft-gitops-operator');
    for (const binding of added.filter((object) => object.kind === 'ClusterRoleBinding')) {
      expect(binding['subjects']).toEqual([{ kind: 'ServiceAccount', name: 'weft-gitops-operator', namespace: 'weft-system' }]);
    }
    const args = (manifests: Manifest[]) => manifests.find((object) => object.kind === 'Deployment')!['spec'].template.spec.containers[0].args as string[];
    expect(parseCliOptions(args(base), {}).controllers).toEqual(['source', 'kustomize']);
    expect(parseCliOptions(args(objects), {}).controllers).toEqual(['source', 'kustomize', 'image', 'progressive']);
    await using one = await withComponents(['progressive']);
    expect(parseCliOptions(args((await build(one.dir, { fs: nodeFs() })) as unknown as Manifest[]), {}).controllers).toEqual(['source', 'kustomize', 'progressive']);
  });

  it.skipIf(findKustomizeBinary() === undefined && process.env['CI'] !== 'true')('builds the same objects as the kustomize binary', async () => {
    const kustomize = findKustomizeBinary();
    if (!kustomize) throw new Error('CI=true but the kustomize reference binary is missing: run tools/control-plane/build.sh');
    await using copy = await withComponents(extras);
    const { stdout } = await promisify(execFile)(kustomize, ['build', copy.dir], { maxBuffer: 16 * 1024 * 1024 });
    expect(await build(copy.dir, { fs: nodeFs() })).toEqual(parseAllDocuments(stdout).map((document) => document.toJS()));
  });

  it('grants each extra controller least privilege: its kinds read and their status patched, no wildcards, no deletes, no CRD or RBAC writes', async () => {
    await using copy = await withComponents(extras);
    const objects = (await build(copy.dir, { fs: nodeFs() })) as unknown as Manifest[];
    const rulesOf = (name: string) => objects.find((object) => object.kind === 'ClusterRole' && object.metadata.name === name)!['rules'] as Rule[];
    const can = (rules: Rule[], group: string, resource: string, verb: string) => rules.some((rule) => rule.apiGroups.includes(group) && rule.resources.includes(resource) && rule.verbs.includes(verb));
    const image = rulesOf('weft-gitops-operator-image-automation');
    const progressive = rulesOf('weft-gitops-operator-progressive');
    for (const rule of [...image, ...progressive]) {
      expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain('*');
      expect(rule.verbs).not.toContain('delete');
      expect(rule.verbs).not.toContain('update');
      expect(rule.resources).not.toContain('customresourcedefinitions');
      expect(rule.resources.filter((resource) => resource.includes('role'))).toEqual([]);
    }
    for (const crd of await controllerCrds(['image'])) {
      const plural = crd.spec.names.plural;
      for (const verb of ['get', 'list', 'watch']) expect(can(image, 'image.weft.dev', plural, verb), `${plural} ${verb}`).toBe(true);
      expect(can(image, 'image.weft.dev', `${plural}/status`, 'patch')).toBe(true);
      expect(can(image, 'image.weft.dev', plural, 'patch')).toBe(false);
    }
    expect(can(image, 'source.weft.dev', 'gitrepositories', 'watch')).toBe(true);
    expect(can(image, '', 'secrets', 'get')).toBe(false);
    expect(can(progressive, 'progressive.weft.dev', 'canaries', 'watch')).toBe(true);
    expect(can(progressive, 'progressive.weft.dev', 'canaries/status', 'patch')).toBe(true);
    expect(can(progressive, 'progressive.weft.dev', 'canaries', 'patch')).toBe(false);
    expect(can(progressive, 'progressive.weft.dev', 'metrictemplates', 'list')).toBe(false);
    expect(can(progressive, 'apps', 'deployments', 'create')).toBe(true);
    expect(can(progressive, 'apps', 'deployments', 'list')).toBe(false);
  });
});
