import { spawn } from 'node:child_process';
import { findControlPlaneBinaries } from '@weft/testkit';
import { beforeAll, expect, it } from 'vitest';
import { eventually } from '@weft/testkit';
import { conformance } from './targets';

function manifest(ns: string, name: string, data: Record<string, string>): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data });
}

function deploymentYaml(ns: string, name: string, replicas: number): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${ns}`,
    'spec:',
    `  replicas: ${replicas}`,
    '  selector:',
    `    matchLabels: {app: ${name}}`,
    '  template:',
    '    metadata:',
    `      labels: {app: ${name}}`,
    '    spec:',
    '      containers:',
    '      - name: main',
    '        image: registry.example.com/app:1.0',
    '',
  ].join('\n');
}

conformance('kubectl', (target) => {
  let ns: string;
  beforeAll(async () => {
    ns = await target().namespace('kubectl');
  });

  it('applies server-side and reports it', async () => {
    const result = await target().kubectl(['apply', '--server-side', '-f', '-'], manifest(ns, 'ssa', { a: '1' }));
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('configmap/ssa serverside-applied');
    const { body } = await target().request('GET', `/api/v1/namespaces/${ns}/configmaps/ssa`);
    expect(body.data).toEqual({ a: '1' });
    expect((body.metadata.managedFields as any[]).map((entry) => `${entry.manager}/${entry.operation}`)).toContain('kubectl/Apply');
  });

  it('applies a Deployment server-side from YAML', async () => {
    const result = await target().kubectl(['apply', '--server-side', '-f', '-'], deploymentYaml(ns, 'web', 0));
    expect(result.stdout.trim()).toBe('deployment.apps/web serverside-applied');
    const { body } = await target().request('GET', `/apis/apps/v1/namespaces/${ns}/deployments/web`);
    expect(body.spec.template.spec.containers[0].image).toBe('registry.example.com/app:1.0');
  });

  it('reports a server-side apply conflict with another manager and exits non-zero', async () => {
    await target().request('PATCH', `/api/v1/namespaces/${ns}/configmaps/contested?fieldManager=someone-else`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'contested' }, data: { key: 'theirs' } }, { 'Content-Type': 'application/apply-patch+yaml' });
    const result = await target().kubectl(['apply', '--server-side', '-f', '-'], manifest(ns, 'contested', { key: 'mine' }));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('conflict');
  });

  it('takes over with --force-conflicts', async () => {
    await target().request('PATCH', `/api/v1/namespaces/${ns}/configmaps/forced?fieldManager=someone-else`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'forced' }, data: { key: 'theirs' } }, { 'Content-Type': 'application/apply-patch+yaml' });
    const result = await target().kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], manifest(ns, 'forced', { key: 'mine' }));
    expect(result.code).toBe(0);
    expect((await target().request('GET', `/api/v1/namespaces/${ns}/configmaps/forced`)).body.data).toEqual({ key: 'mine' });
  });

  it('gets an object as JSON', async () => {
    await target().kubectl(['apply', '--server-side', '-f', '-'], manifest(ns, 'as-json', { k: 'v' }));
    const result = await target().kubectl(['-n', ns, 'get', 'configmap', 'as-json', '-o', 'json']);
    expect(JSON.parse(result.stdout)).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'as-json', namespace: ns }, data: { k: 'v' } });
  });

  it('prints a table with NAME for kubectl get', async () => {
    await target().kubectl(['apply', '--server-side', '-f', '-'], manifest(ns, 'tabled', {}));
    const result = await target().kubectl(['-n', ns, 'get', 'configmaps', 'tabled']);
    const [header, row] = result.stdout.trim().split('\n');
    expect(header).toMatch(/^NAME\s/);
    expect(row).toMatch(/^tabled\s/);
  });

  it('gets by short name and label selector', async () => {
    await target().request('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'picked', labels: { pick: 'me' } } });
    const result = await target().kubectl(['-n', ns, 'get', 'cm', '-l', 'pick=me', '-o', 'name']);
    expect(result.stdout.trim()).toBe('configmap/picked');
  });

  it('lists api-resources including apps deployments', async () => {
    const result = await target().kubectl(['api-resources', '--api-group=apps', '-o', 'name']);
    expect(result.stdout.split('\n')).toContain('deployments.apps');
  });

  it('scales a Deployment through the scale subresource', async () => {
    await target().kubectl(['apply', '--server-side', '-f', '-'], deploymentYaml(ns, 'scaled', 0));
    const result = await target().kubectl(['-n', ns, 'scale', 'deployment', 'scaled', '--replicas=3']);
    expect(result.stdout.trim()).toBe('deployment.apps/scaled scaled');
    expect((await target().request('GET', `/apis/apps/v1/namespaces/${ns}/deployments/scaled`)).body.spec.replicas).toBe(3);
  });

  it('labels and annotates an object', async () => {
    await target().request('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'marked' } });
    expect((await target().kubectl(['-n', ns, 'label', 'configmap', 'marked', 'color=green'])).code).toBe(0);
    expect((await target().kubectl(['-n', ns, 'annotate', 'configmap', 'marked', 'note=hi'])).code).toBe(0);
    const { body } = await target().request('GET', `/api/v1/namespaces/${ns}/configmaps/marked`);
    expect(body.metadata.labels).toEqual({ color: 'green' });
    expect(body.metadata.annotations).toEqual({ note: 'hi' });
  });

  it('streams changes with kubectl get -w', async () => {
    await target().request('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'watched', labels: { w: 'yes' } } });
    const found = findControlPlaneBinaries(['kubectl']);
    if ('missing' in found) throw new Error('kubectl is not built');
    const child = spawn(found.kubectl, ['--kubeconfig', target().kubeconfigPath, '-n', ns, 'get', 'configmaps', '-l', 'w=yes', '-w', '-o', 'name']);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await eventually('initial line', async () => output.includes('configmap/watched'));
      await target().request('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'watched-later', labels: { w: 'yes' } } });
      await eventually('watched line', async () => output.includes('configmap/watched-later'));
    } finally {
      child.kill();
    }
    expect(output.trim().split('\n')).toEqual(['configmap/watched', 'configmap/watched-later']);
  });

  it('deletes with --cascade=foreground, waiting for the owner and its dependents', async () => {
    const owner = (await target().request('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'fg-parent' } })).body;
    await target().request('POST', `/api/v1/namespaces/${ns}/configmaps`, {
      metadata: { name: 'fg-kid', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'fg-parent', uid: owner.metadata.uid, blockOwnerDeletion: true }] },
    });
    const result = await target().kubectl(['-n', ns, 'delete', 'configmap', 'fg-parent', '--cascade=foreground']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('configmap "fg-parent" deleted');
    expect((await target().request('GET', `/api/v1/namespaces/${ns}/configmaps/fg-parent`)).status).toBe(404);
    await eventually('dependent gone', async () => (await target().request('GET', `/api/v1/namespaces/${ns}/configmaps/fg-kid`)).status === 404);
  });

  it('deletes with --cascade=orphan, leaving the dependents', async () => {
    const owner = (await target().request('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'or-parent' } })).body;
    await target().request('POST', `/api/v1/namespaces/${ns}/configmaps`, {
      metadata: { name: 'or-kid', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'or-parent', uid: owner.metadata.uid }] },
    });
    const result = await target().kubectl(['-n', ns, 'delete', 'configmap', 'or-parent', '--cascade=orphan']);
    expect(result.code).toBe(0);
    await eventually('owner gone', async () => (await target().request('GET', `/api/v1/namespaces/${ns}/configmaps/or-parent`)).status === 404);
    expect((await target().request('GET', `/api/v1/namespaces/${ns}/configmaps/or-kid`)).status).toBe(200);
  });

  it('answers NotFound through kubectl for a missing object', async () => {
    const result = await target().kubectl(['-n', ns, 'get', 'configmap', 'nope']);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim()).toBe('Error from server (NotFound): configmaps "nope" not found');
  });

  it('deletes by label with kubectl delete -l', async () => {
    for (const name of ['bulk-1', 'bulk-2']) await target().request('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name, labels: { bulk: 'yes' } } });
    const result = await target().kubectl(['-n', ns, 'delete', 'configmaps', '-l', 'bulk=yes']);
    expect(result.code).toBe(0);
    expect((await target().request('GET', `/api/v1/namespaces/${ns}/configmaps?labelSelector=bulk%3Dyes`)).body.items).toEqual([]);
  });

  it('creates a ConfigMap with kubectl create configmap (a typed protobuf body)', async () => {
    const result = await target().kubectl(['-n', ns, 'create', 'configmap', 'typed', '--from-literal=a=1', '--from-literal=b=two']);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('configmap/typed created');
    const { body } = await target().request('GET', `/api/v1/namespaces/${ns}/configmaps/typed`);
    expect(body.data).toEqual({ a: '1', b: 'two' });
  });

  it('creates a Secret with kubectl create secret generic', async () => {
    const result = await target().kubectl(['-n', ns, 'create', 'secret', 'generic', 'typed-secret', '--from-literal=password=s3cret']);
    expect(result.stdout.trim()).toBe('secret/typed-secret created');
    const { body } = await target().request('GET', `/api/v1/namespaces/${ns}/secrets/typed-secret`);
    expect(Buffer.from(body.data.password, 'base64').toString()).toBe('s3cret');
    expect(body.type).toBe('Opaque');
  });

  it('creates a namespace with kubectl create namespace, labelled with its name', async () => {
    const name = `kubectl-ns-${Math.random().toString(36).slice(2, 8)}`;
    const result = await target().kubectl(['create', 'namespace', name]);
    expect(result.stdout.trim()).toBe(`namespace/${name} created`);
    const { body } = await target().request('GET', `/api/v1/namespaces/${name}`);
    expect(body.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': name });
    await target().request('DELETE', `/api/v1/namespaces/${name}`);
  });

  it('creates a ServiceAccount with kubectl create serviceaccount', async () => {
    const result = await target().kubectl(['-n', ns, 'create', 'serviceaccount', 'robot']);
    expect(result.stdout.trim()).toBe('serviceaccount/robot created');
    expect((await target().request('GET', `/api/v1/namespaces/${ns}/serviceaccounts/robot`)).status).toBe(200);
  });

  it('answers AlreadyExists through kubectl create', async () => {
    await target().kubectl(['-n', ns, 'create', 'configmap', 'dup']);
    const result = await target().kubectl(['-n', ns, 'create', 'configmap', 'dup']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('configmaps "dup" already exists');
  });

  it('applies client-side (last-applied annotation), then configures a change', async () => {
    const first = await target().kubectl(['apply', '-f', '-'], deploymentYaml(ns, 'client-side', 0));
    expect(first.stdout.trim()).toBe('deployment.apps/client-side created');
    const second = await target().kubectl(['apply', '-f', '-'], deploymentYaml(ns, 'client-side', 0).replace('app:1.0', 'app:2.0'));
    expect(second.stdout.trim()).toBe('deployment.apps/client-side configured');
    const { body } = await target().request('GET', `/apis/apps/v1/namespaces/${ns}/deployments/client-side`);
    expect(body.spec.template.spec.containers[0].image).toBe('registry.example.com/app:2.0');
    expect(body.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('app:2.0');
    expect(body.metadata.generation).toBe(2);
  });

  it('shows a pending change with kubectl diff (exit code 1) and none after applying it', async () => {
    await target().kubectl(['apply', '--server-side', '-f', '-'], manifest(ns, 'diffed', { v: '1' }));
    const changed = await target().kubectl(['diff', '--server-side', '-f', '-'], manifest(ns, 'diffed', { v: '2' }));
    expect(changed.code).toBe(1);
    expect(changed.stdout).toContain('+  v: "2"');
    const same = await target().kubectl(['diff', '--server-side', '-f', '-'], manifest(ns, 'diffed', { v: '1' }));
    expect(same.code).toBe(0);
    expect((await target().request('GET', `/api/v1/namespaces/${ns}/configmaps/diffed`)).body.data).toEqual({ v: '1' });
  });

  it('describes a ConfigMap', async () => {
    await target().kubectl(['apply', '--server-side', '-f', '-'], manifest(ns, 'described', { key: 'value' }));
    const result = await target().kubectl(['-n', ns, 'describe', 'configmap', 'described']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Name:\s+described$/m);
    expect(result.stdout).toMatch(/^Namespace:\s+/m);
  });

  it('patches with kubectl patch --type=merge and --type=json', async () => {
    await target().kubectl(['apply', '--server-side', '-f', '-'], manifest(ns, 'patched', { a: '1' }));
    expect((await target().kubectl(['-n', ns, 'patch', 'configmap', 'patched', '--type=merge', '-p', '{"data":{"b":"2"}}'])).code).toBe(0);
    expect((await target().kubectl(['-n', ns, 'patch', 'configmap', 'patched', '--type=json', '-p', '[{"op":"remove","path":"/data/a"}]'])).code).toBe(0);
    expect((await target().request('GET', `/api/v1/namespaces/${ns}/configmaps/patched`)).body.data).toEqual({ b: '2' });
  });

  it('waits for a condition with kubectl wait --for=delete', async () => {
    await target().request('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'awaited', finalizers: ['example.com/hold'] } });
    await target().request('DELETE', `/api/v1/namespaces/${ns}/configmaps/awaited`);
    const waiting = target().kubectl(['-n', ns, 'wait', '--for=delete', 'configmap/awaited', '--timeout=20s']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await target().request('PATCH', `/api/v1/namespaces/${ns}/configmaps/awaited`, { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' });
    expect((await waiting).code).toBe(0);
  });

  it('shows the server version', async () => {
    const result = await target().kubectl(['version', '-o', 'json']);
    expect(JSON.parse(result.stdout).serverVersion.gitVersion).toMatch(/^v1\.37\./);
  });
});
