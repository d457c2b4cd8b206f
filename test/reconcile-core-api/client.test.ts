import {
  AlreadyExistsError,
  CancelledError,
  ConfigMapKind,
  ConflictError,
  DeploymentKind,
  ForbiddenError,
  UnauthorizedError,
  InvalidError,
  KubeClient,
  NotFoundError,
  TimeoutError,
  isNotFoundError,
  type ApiWatchEvent,
  type KubeObject,
  type ObjectOf,
} from '@weft/reconcile-core';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';

type ConfigMap = ObjectOf<typeof ConfigMapKind>;

describeCluster('KubeClient against the real kube-apiserver', () => {
  let namespace: string;
  let client: KubeClient;

  beforeAll(async () => {
    namespace = await testNamespace('core-client');
    client = new KubeClient(clusterKubeConfig());
  });
  afterAll(() => client.close());

  const configMap = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>): ConfigMap => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: labels ? { name, namespace, labels } : { name, namespace },
    data,
  });

  it('gets, and names the object in a NotFoundError carrying the Status', async () => {
    const error = await client.get(ConfigMapKind, 'missing', { namespace }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotFoundError);
    const notFound = error as NotFoundError;
    expect(notFound.code).toBe(404);
    expect(notFound.reason).toBe('NotFound');
    expect(notFound.status?.details?.name).toBe('missing');
    expect(notFound.object).toEqual({ group: '', version: 'v1', kind: 'ConfigMap', namespace, name: 'missing' });
    expect(notFound.message).toBe(`ConfigMap/${namespace}/missing get failed: configmaps "missing" not found`);
    expect(notFound.retryable).toBe(false);
  });

  it('creates, then refuses a second create with AlreadyExistsError', async () => {
    const created = await client.create(configMap('made', { a: '1' }));
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.kind).toBe('ConfigMap');
    const read = await client.get(ConfigMapKind, 'made', { namespace });
    expect(read.data).toEqual({ a: '1' });
    const error = await client.create(configMap('made')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AlreadyExistsError);
    expect((error as AlreadyExistsError).code).toBe(409);
  });

  it('rejects an update with a stale resourceVersion with a retryable ConflictError', async () => {
    const created = await client.create(configMap('contended', { v: '1' }));
    await client.update({ ...created, data: { v: '2' } });
    const error = await client.update({ ...created, data: { v: '3' } }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).reason).toBe('Conflict');
    expect((error as ConflictError).retryable).toBe(true);
    expect((error as ConflictError).fieldManagerConflicts).toEqual([]);
    expect((await client.get(ConfigMapKind, 'contended', { namespace })).data).toEqual({ v: '2' });
  });

  it('reports 422 Invalid with its field causes', async () => {
    const error = await client.create(configMap('Not_A_Valid_Name')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidError);
    const invalid = error as InvalidError;
    expect(invalid.code).toBe(422);
    expect(invalid.fields).toEqual([expect.objectContaining({ field: 'metadata.name', reason: 'FieldValueInvalid' })]);
  });

  it('server-side applies under a field manager, conflicts with another manager, and forces', async () => {
    await client.apply(configMap('applied', { key: 'from-a' }), { fieldManager: 'manager-a' });
    const error = await client.apply(configMap('applied', { key: 'from-b' }), { fieldManager: 'manager-b' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).fieldManagerConflicts).toEqual([{ manager: 'manager-a', field: '.data.key' }]);

    const forced = await client.apply(configMap('applied', { key: 'from-b' }), { fieldManager: 'manager-b', force: true });
    expect(forced.data).toEqual({ key: 'from-b' });
    const managers = (forced.metadata.managedFields ?? []).map((entry) => `${entry.manager}:${entry.operation}`);
    expect(managers).toContain('manager-b:Apply');

    // The default field manager is "weft".
    const byWeft = await client.apply(configMap('applied-default', { x: '1' }));
    expect((byWeft.metadata.managedFields ?? []).map((entry) => entry.manager)).toEqual(['weft']);
    // An object read back (with managedFields) applies as is.
    const again = await client.apply({ ...byWeft, data: { x: '2' } });
    expect(again.data).toEqual({ x: '2' });
  });

  it('writes nothing on dry run: create, apply, patch and delete', async () => {
    const dry = await client.create(configMap('dry', { a: '1' }), { dryRun: true });
    expect(dry.metadata.name).toBe('dry');
    await expect(client.get(ConfigMapKind, 'dry', { namespace })).rejects.toBeInstanceOf(NotFoundError);
    await client.apply(configMap('dry-apply', { a: '1' }), { dryRun: true });
    await expect(client.get(ConfigMapKind, 'dry-apply', { namespace })).rejects.toBeInstanceOf(NotFoundError);

    await client.create(configMap('kept', { a: '1' }));
    const patched = await client.patch(ConfigMapKind, 'kept', { data: { a: '2' } }, { namespace, dryRun: true });
    expect(patched.data).toEqual({ a: '2' });
    await client.delete(ConfigMapKind, 'kept', { namespace, dryRun: true });
    expect((await client.get(ConfigMapKind, 'kept', { namespace })).data).toEqual({ a: '1' });
  });

  it('patches with merge, JSON and strategic merge patches', async () => {
    await client.create(configMap('patched', { a: '1', b: '2' }));
    const merged = await client.patch(ConfigMapKind, 'patched', { data: { b: null, c: '3' } }, { namespace });
    expect(merged.data).toEqual({ a: '1', c: '3' });
    const json = await client.patch(ConfigMapKind, 'patched', [{ op: 'replace', path: '/data/a', value: 'one' }], { namespace, type: 'json' });
    expect(json.data).toEqual({ a: 'one', c: '3' });
    const failedTest = await client
      .patch(ConfigMapKind, 'patched', [{ op: 'test', path: '/data/a', value: 'nope' }, { op: 'remove', path: '/data/a' }], { namespace, type: 'json' })
      .catch((caught: unknown) => caught);
    expect(failedTest).toBeInstanceOf(InvalidError);

    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1' }] } },
      },
    };
    await client.create(deployment);
    // Strategic merge: containers merge by name, so the sidecar is added and web keeps its image.
    const strategic = await client.patch(DeploymentKind, 'web', { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox:1' }] } } } }, { namespace, type: 'strategic' });
    expect(strategic.spec?.template.spec?.containers.map((container) => `${container.name}=${container.image}`).sort()).toEqual(['sidecar=busybox:1', 'web=nginx:1']);
  });

  it('deletes with preconditions, propagation policy, and returns the terminating object', async () => {
    const created = await client.create<ConfigMap>({ ...configMap('doomed'), metadata: { name: 'doomed', namespace, finalizers: ['weft.dev/test'] } });
    const wrongUid = await client.delete(ConfigMapKind, 'doomed', { namespace, preconditions: { uid: '00000000-0000-0000-0000-000000000000' } }).catch((caught: unknown) => caught);
    expect(wrongUid).toBeInstanceOf(ConflictError);

    const terminating = await client.delete(ConfigMapKind, 'doomed', { namespace, preconditions: { uid: created.metadata.uid! }, propagationPolicy: 'Foreground' });
    expect(terminating?.metadata.deletionTimestamp).toBeTruthy();
    expect(terminating?.metadata.finalizers).toEqual(expect.arrayContaining(['weft.dev/test', 'foregroundDeletion']));
    await client.patch(ConfigMapKind, 'doomed', { metadata: { finalizers: null } }, { namespace });
    await expect(client.get(ConfigMapKind, 'doomed', { namespace })).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.delete(ConfigMapKind, 'doomed', { namespace })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists page by page with limit and continue, and all at once', async () => {
    await Promise.all(Array.from({ length: 23 }, (_, index) => client.create(configMap(`paged-${String(index).padStart(2, '0')}`, {}, { set: 'paged' }))));
    const first = await client.list(ConfigMapKind, { namespace, labelSelector: 'set=paged', limit: 10 });
    expect(first.items).toHaveLength(10);
    expect(first.continue).toBeTruthy();
    expect(first.items[0]?.kind).toBe('ConfigMap');

    const pages: number[] = [];
    for await (const page of client.listPages(ConfigMapKind, { namespace, labelSelector: 'set=paged', limit: 10 })) pages.push(page.items.length);
    expect(pages).toEqual([10, 10, 3]);

    const all = await client.listAll(ConfigMapKind, { namespace, labelSelector: 'set=paged', limit: 7 });
    expect(all.items.map((item) => item.metadata.name)).toEqual(Array.from({ length: 23 }, (_, index) => `paged-${String(index).padStart(2, '0')}`));
    expect(Number(all.resourceVersion)).toBeGreaterThan(0);
  });

  it('resolves kinds given as { apiVersion, kind } through discovery', async () => {
    const created = await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mapped', namespace }, data: { m: '1' } } as KubeObject);
    expect(created.metadata.name).toBe('mapped');
    const read = await client.get({ apiVersion: 'v1', kind: 'ConfigMap' }, 'mapped', { namespace });
    expect(read['data']).toEqual({ m: '1' });
    expect(await client.resourceKind({ apiVersion: 'apps/v1', kind: 'Deployment' })).toMatchObject({ plural: 'deployments', namespaced: true });
    expect(await client.resourceKind({ apiVersion: 'v1', kind: 'Namespace' })).toMatchObject({ plural: 'namespaces', namespaced: false });
  });

  it('tells a cancelled call from a timed-out one', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(client.get(ConfigMapKind, 'made', { namespace, signal: controller.signal })).rejects.toBeInstanceOf(CancelledError);

    // A deadline against the real apiserver races its answer (a loopback list can beat 1 ms), so the
    // timeouts are taken against a server that accepts the connection and never answers.
    const held = new Set<Socket>();
    const silent = createServer((socket) => held.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentConfig = new KubeConfig();
    silentConfig.loadFromOptions({
      clusters: [{ name: 'silent', server: `https://127.0.0.1:${(silent.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'silent', token: 'unused' }],
      contexts: [{ name: 'silent', cluster: 'silent', user: 'silent' }],
      currentContext: 'silent',
    });
    const silentClient = new KubeClient(silentConfig);
    try {
      const timedOut = await silentClient.list(ConfigMapKind, { namespace, signal: AbortSignal.timeout(50) }).catch((caught: unknown) => caught);
      expect(timedOut).toBeInstanceOf(TimeoutError);
      expect((timedOut as TimeoutError).source).toBe('client');

      const deadline = await silentClient.list(ConfigMapKind, { namespace, timeout: '50ms' }).catch((caught: unknown) => caught);
      expect(deadline).toBeInstanceOf(TimeoutError);
    } finally {
      silentClient.close();
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('watches raw events until cancelled', async () => {
    const start = await client.list(ConfigMapKind, { namespace, limit: 1 });
    const controller = new AbortController();
    const seen: string[] = [];
    const watching = (async () => {
      try {
        for await (const event of client.watch(ConfigMapKind, { namespace, resourceVersion: start.resourceVersion, fieldSelector: 'metadata.name=watched', signal: controller.signal })) {
          const typed: ApiWatchEvent<ConfigMap> = event;
          if (typed.type === 'BOOKMARK') continue;
          seen.push(`${typed.type}:${typed.object.data?.['step'] ?? ''}`);
          if (typed.type === 'DELETED') controller.abort();
        }
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
      }
    })();
    await client.create(configMap('watched', { step: '1' }));
    await client.patch(ConfigMapKind, 'watched', { data: { step: '2' } }, { namespace });
    await client.delete(ConfigMapKind, 'watched', { namespace });
    await watching;
    expect(seen).toEqual(['ADDED:1', 'MODIFIED:2', 'DELETED:2']);

    const timedOut = await (async () => {
      for await (const event of client.watch(ConfigMapKind, { namespace, signal: AbortSignal.timeout(300) })) void event;
    })().catch((caught: unknown) => caught);
    expect(timedOut).toBeInstanceOf(TimeoutError);
  });

  it('reports bad credentials as UnauthorizedError and missing RBAC as ForbiddenError', async () => {
    const admin = clusterKubeConfig();
    const withUser = (user: Record<string, unknown>): KubeClient => {
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromOptions({
        clusters: [admin.getCurrentCluster()],
        users: [{ ...admin.getCurrentUser(), ...user, name: 'test-user' }],
        contexts: [{ name: 'test', cluster: admin.getCurrentCluster()!.name, user: 'test-user' }],
        currentContext: 'test',
      });
      return new KubeClient(kubeConfig);
    };
    const stranger = withUser({ certData: undefined, keyData: undefined, certFile: undefined, keyFile: undefined, token: 'not-a-real-token' });
    const unauthorized = await stranger.get(ConfigMapKind, 'made', { namespace }).catch((caught: unknown) => caught);
    expect(unauthorized).toBeInstanceOf(UnauthorizedError);
    expect((unauthorized as UnauthorizedError).code).toBe(401);
    stranger.close();

    const nobody = withUser({ impersonateUser: 'nobody@example.com' });
    const forbidden = await nobody.get(ConfigMapKind, 'made', { namespace }).catch((caught: unknown) => caught);
    expect(forbidden).toBeInstanceOf(ForbiddenError);
    expect((forbidden as ForbiddenError).message).toContain(`ConfigMap/${namespace}/made get failed: configmaps "made" is forbidden: User "nobody@example.com" cannot get resource`);
    nobody.close();
  });

  it('lets NotFound be told apart with a guard', async () => {
    const value = await client.get(ConfigMapKind, 'absent', { namespace }).catch((caught: unknown) => (isNotFoundError(caught) ? undefined : Promise.reject(caught)));
    expect(value).toBeUndefined();
  });
});
