import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build, nodeFs } from '@weft/kustomize-lite';
import { findKustomizeBinary } from '@weft/testkit';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderCrdsYaml } from '../crd-manifests.js';

const deployDir = fileURLToPath(new URL('../../deploy', import.meta.url));

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [field: string]: any };

describe('deploy/: the kustomization that installs the operator', () => {
  it('holds the CRDs as the resource definitions generate them (run `pnpm deploy:crds` after changing a schema)', async () => {
    expect(await readFile(`${deployDir}/crds.yaml`, 'utf8')).toBe(renderCrdsYaml());
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
