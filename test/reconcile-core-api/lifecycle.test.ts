import { randomBytes } from 'node:crypto';
import {
  ConfigMapKind,
  InvalidError,
  CustomResourceDefinitionKind,
  KubeClient,
  LeaseKind,
  LeaderElector,
  NotFoundError,
  addFinalizer,
  computeStatus,
  conditionsSchema,
  defineResource,
  getCondition,
  installCRDs,
  isReady,
  markNotReady,
  markReady,
  markReconciling,
  reconcileWithFinalizer,
  removeFinalizer,
  setControllerReference,
  writeStatus,
  type ObjectOf,
  type StatusOf,
} from '@weft/reconcile-core';
import { eventually } from '@weft/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';

type ConfigMap = ObjectOf<typeof ConfigMapKind>;

const ThingKind = defineResource({
  group: `t${randomBytes(3).toString('hex')}.weft.dev`,
  version: 'v1',
  kind: 'Thing',
  schema: {
    type: 'object',
    properties: {
      spec: { type: 'object', properties: { size: { type: 'integer' } } },
      status: {
        type: 'object',
        properties: {
          observedGeneration: { type: 'integer' },
          conditions: conditionsSchema,
        },
      },
    },
  },
} as const);
type Thing = ObjectOf<typeof ThingKind>;

describeCluster('finalizers, conditions and leader election against the real kube-apiserver', () => {
  let namespace: string;
  let client: KubeClient;

  beforeAll(async () => {
    namespace = await testNamespace('core-lifecycle');
    client = new KubeClient(clusterKubeConfig());
    await installCRDs(client, [ThingKind]);
  });
  afterAll(async () => {
    await client.delete(CustomResourceDefinitionKind, ThingKind.crd.metadata.name).catch(() => undefined);
    client.close();
  });

  const configMap = (name: string): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: {} });

  it('adds and removes a finalizer while another writer changes the object, keeping its finalizer', async () => {
    const stale = await client.create(configMap('finalized'));
    // Another writer adds its own finalizer after we read: our copy is now stale.
    await client.patch(ConfigMapKind, 'finalized', { metadata: { finalizers: ['other.example.com/keep'] }, data: { by: 'other' } }, { namespace });

    const added = await addFinalizer(client, stale, 'weft.dev/cleanup');
    expect(added.metadata.finalizers).toEqual(['other.example.com/keep', 'weft.dev/cleanup']);
    expect(added.data).toEqual({ by: 'other' });

    // Adding again writes nothing.
    const again = await addFinalizer(client, added, 'weft.dev/cleanup');
    expect(again.metadata.resourceVersion).toBe(added.metadata.resourceVersion);

    // Remove from a stale copy while the other writer changes the object again.
    await client.patch(ConfigMapKind, 'finalized', { data: { by: 'other-2' } }, { namespace });
    const removed = await removeFinalizer(client, added, 'weft.dev/cleanup');
    expect(removed?.metadata.finalizers).toEqual(['other.example.com/keep']);
    expect(removed?.data).toEqual({ by: 'other-2' });

    await client.patch(ConfigMapKind, 'finalized', { metadata: { finalizers: null } }, { namespace });
  });

  it('runs cleanup on deletion, then removes the finalizer so the object goes away', async () => {
    const calls: string[] = [];
    const handlers = {
      finalizer: 'weft.dev/cleanup',
      apply: async (object: ConfigMap) => {
        calls.push(`apply:${object.metadata.finalizers?.join(',')}`);
        return 'applied';
      },
      cleanup: async (object: ConfigMap) => {
        calls.push(`cleanup:${object.metadata.deletionTimestamp ? 'deleting' : 'live'}`);
      },
    };
    const created = await client.create(configMap('lifecycle'));
    const first = await reconcileWithFinalizer(client, created, handlers);
    expect(first).toMatchObject({ action: 'apply', result: 'applied', finalizerAdded: true });

    const deleting = await client.delete(ConfigMapKind, 'lifecycle', { namespace });
    expect(deleting?.metadata.deletionTimestamp).toBeTruthy();
    const second = await reconcileWithFinalizer(client, deleting!, handlers);
    expect(second.action).toBe('cleanup');
    expect(calls).toEqual(['apply:weft.dev/cleanup', 'cleanup:deleting']);
    await expect(client.get(ConfigMapKind, 'lifecycle', { namespace })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('round-trips kstatus conditions through the status subresource', async () => {
    const created = await client.create<Thing>({ apiVersion: ThingKind.apiVersion, kind: 'Thing', metadata: { name: 'thing', namespace }, spec: { size: 1 } } as Thing);
    const t0 = new Date('2026-01-01T00:00:00Z');
    const generation = created.metadata.generation;

    const reconciling = markReconciling(created.status, { reason: 'Progressing', message: 'working', generation, now: t0 });
    const afterReconciling = await client.patchStatus(ThingKind, 'thing', { status: reconciling }, { namespace });
    expect(computeStatus(afterReconciling).status).toBe('InProgress');
    expect(getCondition(afterReconciling, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'Progressing', lastTransitionTime: '2026-01-01T00:00:00Z' });

    const failing = markNotReady(afterReconciling.status, { reason: 'ApplyFailed', message: 'boom', generation, now: new Date('2026-01-01T00:01:00Z') });
    const afterFailing = await client.patchStatus(ThingKind, 'thing', { status: failing }, { namespace });
    expect(getCondition(afterFailing, 'Ready')?.lastTransitionTime).toBe('2026-01-01T00:01:00Z');
    const failingAgain = markNotReady(afterFailing.status, { reason: 'ApplyFailed', message: 'boom again', generation, now: new Date('2026-01-01T00:02:00Z') });
    const afterFailingAgain = await client.patchStatus(ThingKind, 'thing', { status: failingAgain }, { namespace });
    // Same status: the transition time stays, the message changes.
    expect(getCondition(afterFailingAgain, 'Ready')).toMatchObject({ status: 'False', message: 'boom again', lastTransitionTime: '2026-01-01T00:01:00Z' });

    const ready = markReady(afterFailingAgain.status, { reason: 'Succeeded', message: 'done', generation, now: new Date('2026-01-01T00:03:00Z') });
    const afterReady = await client.patchStatus(ThingKind, 'thing', { status: ready }, { namespace });
    expect(afterReady.status?.conditions?.map((condition) => condition.type)).toEqual(['Ready']);
    expect(afterReady.status?.observedGeneration).toBe(generation);
    expect(isReady(afterReady)).toBe(true);
    expect(computeStatus(afterReady).status).toBe('Current');

    // A spec change bumps the generation: Ready no longer counts until observed again.
    const changed = await client.patch(ThingKind, 'thing', { spec: { size: 2 } }, { namespace });
    expect(isReady(changed)).toBe(false);
    expect(computeStatus(changed).status).toBe('InProgress');
  });

  it('writeStatus writes only what changed, nothing when nothing did, and the apiserver refuses an undeclared field', async () => {
    const created = await client.create<Thing>({ apiVersion: ThingKind.apiVersion, kind: 'Thing', metadata: { name: 'status-writer', namespace }, spec: { size: 1 } } as Thing);
    const generation = created.metadata.generation;
    const ready = markReady(created.status, { reason: 'Succeeded', message: 'done', generation });
    const written = await writeStatus(client, created, ready, { kind: ThingKind });
    expect(written?.status?.observedGeneration).toBe(generation);
    expect(getCondition(written, 'Ready')).toMatchObject({ status: 'True', reason: 'Succeeded' });

    // The same status again (the server may order fields differently): no write, the resourceVersion stays.
    expect(await writeStatus(client, written!, markReady(written!.status, { reason: 'Succeeded', message: 'done', generation }), { kind: ThingKind })).toBeUndefined();
    expect((await client.get(ThingKind, 'status-writer', { namespace })).metadata.resourceVersion).toBe(written!.metadata.resourceVersion);

    // A field the schema does not declare would be pruned in silence; under Strict the apiserver says so.
    const undeclared = { ...written!.status, phase: 'Running' } as StatusOf<Thing>;
    const refused = await writeStatus(client, written!, undeclared, { kind: ThingKind }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InvalidError);
    expect(String((refused as Error).message)).toContain('strict decoding error: unknown field "status.phase"');
  });

  it('setControllerReference: the child is garbage collected with its owner, and a second controller is refused', async () => {
    const owner = await client.create(configMap('owner'));
    const child = await client.create(setControllerReference(owner, configMap('child')));
    expect(child.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    const rival = await client.create(configMap('rival'));
    expect(() => setControllerReference(rival, child)).toThrow(/already controlled by ConfigMap\/owner/);
    await client.delete(ConfigMapKind, 'owner', { namespace, propagationPolicy: 'Foreground' });
    await eventually('the child garbage collected with its owner', () => client.get(ConfigMapKind, 'child', { namespace }).then(() => false, (error: unknown) => error instanceof NotFoundError || Promise.reject(error)), { timeoutMs: 60_000 });
  });

  it('elects one leader of two; a crashed leader is replaced within a lease duration; a released one at once', async () => {
    const leaseName = `leader-${randomBytes(3).toString('hex')}`;
    const timing = { leaseDuration: '3s', renewDeadline: '2s', retryPeriod: '500ms' } as const;
    const errors: unknown[] = [];
    const elector = (identity: string, releaseOnCancel: boolean) =>
      new LeaderElector(client, { name: leaseName, namespace, identity, releaseOnCancel, ...timing, onError: (error) => errors.push(error) });
    const leadingOf = (candidate: LeaderElector) => new Promise<number>((resolve) => candidate.leading$.subscribe((leading) => leading && resolve(Date.now())));

    const a = elector('replica-a', false);
    const b = elector('replica-b', true);
    const aStop = new AbortController();
    const bStop = new AbortController();
    const aLeads = leadingOf(a);
    const aRun = a.run({ signal: aStop.signal });
    await aLeads;
    const bLeads = leadingOf(b);
    const bRun = b.run({ signal: bStop.signal });

    // Both compete for a while: only one leads.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);
    const lease = await client.get(LeaseKind, leaseName, { namespace });
    expect(lease.spec?.holderIdentity).toBe('replica-a');

    // A "crashes": it stops renewing without releasing.
    const crashedAt = Date.now();
    aStop.abort();
    await aRun;
    const bLedAt = await bLeads;
    // client-go's bound: B's expiry clock starts when it last saw A's lease change (at most one
    // jittered retry period after the crash), and B acquires on its next try after expiry.
    expect(bLedAt - crashedAt).toBeLessThanOrEqual(3000 + 2 * 600 + 300);
    expect(bLedAt - crashedAt).toBeGreaterThanOrEqual(1000);
    const takenOver = await client.get(LeaseKind, leaseName, { namespace });
    expect(takenOver.spec).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1 });

    // C waits; B shuts down gracefully and releases: C takes over well before the lease would expire.
    const c = elector('replica-c', true);
    const cStop = new AbortController();
    const cLeads = leadingOf(c);
    const cRun = c.run({ signal: cStop.signal });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(c.isLeader).toBe(false);
    const releasedAt = Date.now();
    bStop.abort();
    await bRun;
    expect((await client.get(LeaseKind, leaseName, { namespace })).spec?.holderIdentity ?? '').not.toBe('replica-b');
    const cLedAt = await cLeads;
    expect(cLedAt - releasedAt).toBeLessThan(1500);
    cStop.abort();
    await cRun;
    expect(errors).toEqual([]);
  });
});
