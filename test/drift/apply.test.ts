import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '@weft/reconcile-core';
import { applySet, countChanges, DryRunError, findChange, ImmutableFieldError, InvalidSetError, prune, type Inventory } from '@weft/drift';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';
import { configMap, deployment, kubectl, liveObject, service } from './drift-fixtures';

describeCluster('applySet and prune on a real apiserver', () => {
  let namespace: string;
  let client: KubeClient;
  beforeAll(async () => {
    namespace = await testNamespace('drift-apply');
    client = new KubeClient(clusterKubeConfig());
  });
  afterAll(() => client.close());

  const ref = (object: KubeObject) => ({ group: object.apiVersion.includes('/') ? object.apiVersion.split('/')[0]! : '', version: object.apiVersion.split('/').pop()!, kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name });

  it('creates, leaves unchanged, configures, and prunes what left git', async () => {
    const v1 = [deployment(namespace, 'web', { replicas: 2 }), service(namespace, 'web'), configMap(namespace, 'settings', { mode: 'a' }), configMap(namespace, 'legacy', { old: 'yes' })];
    const first = await applySet(client, v1);
    expect(first.entries.map((entry) => [entry.subject, entry.action])).toEqual([
      [`Deployment/${namespace}/web`, 'created'],
      [`Service/${namespace}/web`, 'created'],
      [`ConfigMap/${namespace}/settings`, 'created'],
      [`ConfigMap/${namespace}/legacy`, 'created'],
    ]);
    const live = await liveObject(client, ref(v1[0]!));
    expect(live?.metadata.managedFields?.find((entry) => entry.manager === 'weft')?.operation).toBe('Apply');
    const settings = await liveObject(client, ref(v1[2]!));

    // The same set again: nothing written (defaults such as the Service's clusterIP are not drift).
    const again = await applySet(client, v1);
    expect(countChanges(again)).toEqual({ unchanged: 4 });
    expect((await liveObject(client, ref(v1[2]!)))?.metadata.resourceVersion).toBe(settings?.metadata.resourceVersion);

    // A change in git, and one object removed from git.
    const v2 = [deployment(namespace, 'web', { replicas: 2, image: 'nginx:1.28' }), service(namespace, 'web'), configMap(namespace, 'settings', { mode: 'b' })];
    const second = await applySet(client, v2);
    expect(countChanges(second)).toEqual({ configured: 2, unchanged: 1 });
    expect(findChange(second, ref(v2[2]!))?.action).toBe('configured');
    expect(((await liveObject(client, ref(v2[2]!)))?.['data'] as Record<string, string>)['mode']).toBe('b');
    const pruned = await prune(client, first.inventory, second.inventory);
    expect(pruned.entries.map((entry) => [entry.subject, entry.action])).toEqual([[`ConfigMap/${namespace}/legacy`, 'deleted']]);
    expect(await liveObject(client, ref(v1[3]!))).toBeUndefined();
  });

  it('prunes nothing it did not apply, and honours the opt-out annotation', async () => {
    const keep = configMap(namespace, 'keep', { a: '1' }, { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' });
    const applied = await applySet(client, [keep]);
    await kubectl(client.kubeConfig, ['create', 'configmap', 'foreign', '-n', namespace, '--from-literal=a=1']);
    const previous: Inventory = { entries: [...applied.inventory.entries, { id: `${namespace}_foreign__ConfigMap`, v: 'v1' }] };
    const pruned = await prune(client, previous, { entries: [] });
    expect(pruned.entries.map((entry) => [entry.subject, entry.action, entry.reason])).toEqual([
      [`ConfigMap/${namespace}/foreign`, 'skipped', 'not managed by weft'],
      [`ConfigMap/${namespace}/keep`, 'skipped', 'pruning disabled by annotation'],
    ]);
    expect(await liveObject(client, ref(keep))).toBeDefined();
    expect(await liveObject(client, { group: '', version: 'v1', kind: 'ConfigMap', namespace, name: 'foreign' })).toBeDefined();
  });

  it('applies nothing when one object of a set of 50 is invalid, and names it', async () => {
    const objects = Array.from({ length: 50 }, (_, index) => configMap(namespace, `batch-${index}`, { index: String(index) }));
    objects[37] = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'batch-37', namespace, annotations: { 'config.kubernetes.io/path': 'overlays/prod/batch.yaml' } }, data: { index: 37 as unknown as string } };
    const error = await applySet(client, objects).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(DryRunError);
    expect((error as DryRunError).message).toMatch(new RegExp(`^ConfigMap/${namespace}/batch-37 \\(from overlays/prod/batch.yaml\\) dry-run failed: .*nothing was applied`));
    expect((error as DryRunError).failures).toHaveLength(1);
    const listed = await client.listAll({ apiVersion: 'v1', kind: 'ConfigMap' }, { namespace });
    expect(listed.items.filter((item) => item.metadata.name.startsWith('batch-'))).toEqual([]);
  });

  it('without the dry-run gate applies each object once, still telling created, unchanged and configured apart', async () => {
    const objects = [configMap(namespace, 'direct-a', { v: '1' }), configMap(namespace, 'direct-b', { v: '1' })];
    expect((await applySet(client, objects, { dryRunGate: false })).entries.map((entry) => entry.action)).toEqual(['created', 'created']);
    expect((await applySet(client, objects, { dryRunGate: false })).entries.map((entry) => entry.action)).toEqual(['unchanged', 'unchanged']);
    expect((await applySet(client, [objects[0]!, configMap(namespace, 'direct-b', { v: '2' })], { dryRunGate: false })).entries.map((entry) => entry.action)).toEqual(['unchanged', 'configured']);
    // The trade-off: an invalid object no longer stops the others.
    const invalid: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'direct-bad', namespace }, data: { v: 1 as unknown as string } };
    await expect(applySet(client, [invalid, configMap(namespace, 'direct-c', { v: '1' })], { dryRunGate: false })).rejects.toThrow(new RegExp(`^ConfigMap/${namespace}/direct-bad apply failed`));
    expect(await liveObject(client, ref(configMap(namespace, 'direct-c', {})))).toBeDefined();
  });

  it('stores what kubectl apply --server-side stores for the same objects (differential)', async () => {
    const other = `${namespace}-kubectl`;
    await applySet(client, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: other } } as KubeObject]);
    try {
      const set = (ns: string) => [deployment(ns, 'same', { replicas: 2 }), service(ns, 'same'), configMap(ns, 'same', { a: '1' })];
      await applySet(client, set(namespace));
      await kubectl(client.kubeConfig, ['apply', '--server-side', '--field-manager=weft', '-f', '-'], set(other).map((object) => JSON.stringify(object)).join('\n'));
      for (const [mine, theirs] of set(namespace).map((object, index) => [object, set(other)[index]!] as const)) {
        const stored = (object: KubeObject) => liveObject(client, ref(object)).then((live) => {
          const spec = structuredClone(live?.['spec'] ?? live?.['data']) as Record<string, unknown>;
          delete spec['clusterIP'];
          delete spec['clusterIPs'];
          return { spec, labels: live?.metadata.labels, managers: live?.metadata.managedFields?.map((entry) => [entry.manager, entry.operation]) };
        });
        expect(await stored(mine)).toEqual(await stored(theirs));
      }
    } finally {
      await client.delete({ apiVersion: 'v1', kind: 'Namespace' }, other);
    }
  });

  it('rejects a malformed set before any request', async () => {
    await expect(applySet(client, [configMap(namespace, 'twice', {}), configMap(namespace, 'twice', {})])).rejects.toThrow(InvalidSetError);
  });

  it('applies a CRD, a Namespace and their objects in one set, in stages', async () => {
    const suffix = randomBytes(3).toString('hex');
    const group = `drift-${suffix}.example.com`;
    const fresh = `drift-new-${suffix}`;
    const crd: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer', default: 3 }, color: { type: 'string' } } } } } } }],
      },
    };
    const widget: KubeObject = { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w', namespace: fresh }, spec: { color: 'blue' } };
    const objects = [widget, configMap(fresh, 'inside', { a: '1' }), crd, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: fresh } } as KubeObject];
    try {
      const result = await applySet(client, objects);
      expect(countChanges(result)).toEqual({ created: 4 });
      const live = await liveObject(client, ref(widget));
      expect(live?.['spec']).toEqual({ color: 'blue', size: 3 });
      // The CRD's default (size: 3) is not drift on the next apply.
      expect(countChanges(await applySet(client, objects))).toEqual({ unchanged: 4 });
    } finally {
      await client.delete({ apiVersion: 'v1', kind: 'Namespace' }, fresh);
      await client.delete({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' }, `widgets.${group}`);
    }
  });

  it('fails clearly on an immutable field, and recreates the object with force', async () => {
    const job = (image: string, annotations: Record<string, string> = {}): KubeObject => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate', namespace, annotations },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image }] } } },
    });
    await applySet(client, [job('busybox:1')]);
    const before = await liveObject(client, ref(job('busybox:1')));
    const error = await applySet(client, [job('busybox:2'), configMap(namespace, 'beside-job', {})]).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(DryRunError);
    expect((error as DryRunError).failures[0]).toBeInstanceOf(ImmutableFieldError);
    expect((error as Error).message).toMatch(new RegExp(`^Job/${namespace}/migrate dry-run failed: .*immutable`));
    expect(await liveObject(client, { group: '', version: 'v1', kind: 'ConfigMap', namespace, name: 'beside-job' })).toBeUndefined();

    const forced = await applySet(client, [job('busybox:2')], { force: true });
    expect(forced.entries[0]?.action).toBe('recreated');
    const after = await liveObject(client, ref(job('busybox:2')));
    expect(after?.metadata.uid).not.toBe(before?.metadata.uid);

    // Per object, by annotation (Flux's spelling).
    const annotated = await applySet(client, [job('busybox:3', { 'kustomize.toolkit.fluxcd.io/force': 'Enabled' })]);
    expect(annotated.entries[0]?.action).toBe('recreated');
  });

  it('honours the apply policies IfNotPresent and Ignore', async () => {
    const once = configMap(namespace, 'once', { v: '1' }, { 'weft.dev/ssa': 'IfNotPresent' });
    const ignored = configMap(namespace, 'ignored', { v: '1' }, { 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' });
    const first = await applySet(client, [once, ignored]);
    expect(first.entries.map((entry) => entry.action)).toEqual(['created', 'skipped']);
    expect(await liveObject(client, ref(ignored))).toBeUndefined();
    expect(first.inventory.entries.map((entry) => entry.id)).toEqual([`${namespace}_once__ConfigMap`]);
    const second = await applySet(client, [{ ...once, data: { v: '2' } }]);
    expect(second.entries[0]).toMatchObject({ action: 'skipped', reason: 'apply policy IfNotPresent' });
    expect(((await liveObject(client, ref(once)))?.['data'] as Record<string, string>)['v']).toBe('1');
  });

  it('takes back fields kubectl edit claimed, so drift cannot hide in another manager', async () => {
    const object = configMap(namespace, 'claimed', { a: '1' });
    await applySet(client, [object]);
    // kubectl edit's manager changes a value and adds a key of its own.
    await kubectl(client.kubeConfig, ['patch', 'configmap', 'claimed', '-n', namespace, '--type=merge', '--field-manager=kubectl-edit', '-p', '{"data":{"a":"edited","extra":"x"}}']);
    const result = await applySet(client, [object]);
    expect(result.entries[0]?.action).toBe('configured');
    const live = await liveObject(client, ref(object));
    expect(live?.['data']).toEqual({ a: '1' });
    expect(live?.metadata.managedFields?.map((entry) => entry.manager)).not.toContain('kubectl-edit');
    // With apply policy Merge the other manager's extra field stays.
    const merged = configMap(namespace, 'merged', { a: '1' }, { 'weft.dev/ssa': 'Merge' });
    await applySet(client, [merged]);
    await kubectl(client.kubeConfig, ['patch', 'configmap', 'merged', '-n', namespace, '--type=merge', '--field-manager=kubectl-edit', '-p', '{"data":{"extra":"x"}}']);
    expect((await applySet(client, [merged])).entries[0]?.action).toBe('unchanged');
    expect((await liveObject(client, ref(merged)))?.['data']).toEqual({ a: '1', extra: 'x' });
  });
});
