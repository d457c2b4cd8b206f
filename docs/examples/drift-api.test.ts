// Every `@example` of @weft/drift's public API, run against testkit's in-memory API server: each
// example's code is a verbatim part of this file and its imports are this file's imports
// (api-examples.test.ts checks both). Assertions between the examples say what they do.
import {
  annotations,
  applyPolicyOf,
  applySet,
  CancelledError,
  changeEntry,
  comparableCopy,
  compileIgnoreRules,
  compileTarget,
  correctDrift,
  countChanges,
  describeOwner,
  diff,
  diffObject,
  DryRunError,
  fieldChanges,
  findChange,
  fluxOwnershipLabels,
  ImmutableFieldError,
  InvalidIgnoreRuleError,
  InvalidSetError,
  inventoryEntryRef,
  inventoryFromStatus,
  inventoryOf,
  isDriftObjectError,
  kubectlManagers,
  maskSecrets,
  mergeChangeSets,
  objectHealth,
  ownerOf,
  ownershipLabels,
  prune,
  PruneError,
  saveInventory,
  staleObjects,
  summarizeChangeSet,
  takeClaimedFields,
  unifiedDiff,
  wait,
  watchDrift,
  type ApplyOutcome,
  type BuildOutcome,
  type BuiltSet,
  type PipelineOutcome,
  type SetOwner,
} from '@weft/drift';
import { installGitOpsCrds, KustomizationKind } from '@weft/delivery';
import { ConfigMapKind, DeploymentKind, KubeApiError, KubeClient, type KubeObject } from '@weft/reconcile-core';
import { startApiServer, type InMemoryApiServer } from '@weft/testkit';
import { share, Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const configMap = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop' }, data });
const settingsRef = { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'settings' };
/** The set most examples apply: a ConfigMap and a Service (both healthy at once, even with no controllers running). */
const objects: KubeObject[] = [
  configMap('settings', { mode: 'fast' }),
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
];
/** An object the apiserver refuses: its name is not a DNS subdomain. */
const invalid = configMap('Not_Valid', { a: '1' });

describe('the @examples of @weft/drift, run', () => {
  let api: InMemoryApiServer;
  let kubeConfig: InMemoryApiServer['kubeConfig'];
  let client: KubeClient;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    api = await startApiServer();
    kubeConfig = api.kubeConfig;
    client = new KubeClient(kubeConfig);
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }, { fieldManager: 'test' });
    await installGitOpsCrds(kubeConfig, { signal });
    const kube = new KubeClient(kubeConfig);
    await kube.create({ apiVersion: KustomizationKind.apiVersion, kind: 'Kustomization', metadata: { name: 'shop', namespace: 'default' }, spec: { sourceRef: { kind: 'GitRepository', name: 'shop' }, interval: '5m', prune: true } });
    kube.close();
    // A Deployment nothing rolls out (the in-memory server runs no controllers).
    await client.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } } }, { fieldManager: 'test' });
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    client.close();
    await api.stop();
  });

  it('applies, labels, prunes and keeps the inventory', async () => {
    const extra = configMap('extra', { a: '1' });
    await applySet(client, [extra], { owner: { name: 'shop', namespace: 'default' } });
    const lastInventory = inventoryOf([...objects, extra]);

    const result = await applySet(client, objects, { fieldManager: 'weft', owner: { name: 'shop', namespace: 'default' } });
    console.log(summarizeChangeSet(result)); // "ConfigMap/shop/settings created" …
    expect(summarizeChangeSet(result)).toBe('ConfigMap/shop/settings created\nService/shop/web created');

    const changes = result;
    changeEntry({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'web' }, 'created');
    // { ref, subject: 'Deployment/prod/web', action: 'created' }
    expect(changeEntry({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'web' }, 'created')).toMatchObject({ subject: 'Deployment/prod/web', action: 'created' });
    findChange(changes, { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'settings' })?.action; // 'created'
    expect(findChange(changes, settingsRef)?.action).toBe('created');
    countChanges(changes).created ?? 0;
    expect(countChanges(changes).created ?? 0).toBe(2);
    console.log(summarizeChangeSet(changes));

    const live = await client.get(ConfigMapKind, 'settings', { namespace: 'shop' });
    live!.metadata.labels?.[ownershipLabels.name]; // 'shop'
    expect(live!.metadata.labels?.[ownershipLabels.name]).toBe('shop');
    live!.metadata.labels?.[fluxOwnershipLabels.name]; // undefined: applied by Weft, not Flux
    expect(live!.metadata.labels?.[fluxOwnershipLabels.name]).toBeUndefined();
    ownerOf(live); // { name: 'shop', namespace: 'default' }
    expect(ownerOf(live)).toEqual({ name: 'shop', namespace: 'default' });
    describeOwner({ name: 'shop', namespace: 'default' }); // 'default/shop'
    expect(describeOwner({ name: 'shop', namespace: 'default' })).toBe('default/shop');

    const owner = { name: 'shop', namespace: 'default' };
    const applied = await applySet(client, objects, { owner });
    const pruned = await prune(client, lastInventory, applied.inventory, { owner });
    expect(summarizeChangeSet(pruned)).toBe('ConfigMap/shop/extra deleted');

    const all = mergeChangeSets(applied, pruned);
    expect(all.entries).toHaveLength(3);
    await prune(client, lastInventory, applied.inventory, { owner }).catch((error) => {
      if (error instanceof PruneError) console.error(`${error.message}; the set is applied`);
    });

    await saveInventory(client, { group: 'kustomize.weft.dev', version: 'v1', kind: 'Kustomization', namespace: 'default', name: 'shop' }, applied.inventory);
    const previous = inventoryFromStatus(await client.get({ apiVersion: 'kustomize.weft.dev/v1', kind: 'Kustomization' }, 'shop', { namespace: 'default' }));
    expect(previous).toEqual(applied.inventory);

    inventoryOf([{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' } }]);
    // { entries: [{ id: 'prod_web_apps_Deployment', v: 'v1' }] }
    expect(inventoryOf([{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' } }])).toEqual({ entries: [{ id: 'prod_web_apps_Deployment', v: 'v1' }] });
    inventoryEntryRef({ id: 'prod_web_apps_Deployment', v: 'v1' });
    // { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'web' }
    expect(inventoryEntryRef({ id: 'prod_web_apps_Deployment', v: 'v1' })).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'web' });
    staleObjects(lastInventory, inventoryOf(objects)); // ObjectRef[] to delete
    expect(staleObjects(lastInventory, inventoryOf(objects))).toEqual([{ group: '', version: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'extra' }]);

    const watching = watchDrift(client, applied.objects, { mode: 'revert', owner }).subscribe((event) => {
      if (event.type === 'drifted') console.log(`${event.subject} edited by ${event.editedBy.join(', ')}`);
    });
    await client.patch({ apiVersion: 'v1', kind: 'ConfigMap' }, 'settings', { data: { mode: 'edited' } }, { namespace: 'shop', fieldManager: 'kubectl-edit' });
    await vi.waitFor(async () => expect((await client.get(ConfigMapKind, 'settings', { namespace: 'shop' }))?.['data']).toEqual({ mode: 'fast' }), { timeout: 10_000 });
    expect(console.log).toHaveBeenCalledWith('ConfigMap/shop/settings edited by kubectl-edit');
    watching.unsubscribe();

    await client.patch({ apiVersion: 'v1', kind: 'ConfigMap' }, 'settings', { data: { mode: 'edited' } }, { namespace: 'shop', fieldManager: 'kubectl-edit' });
    const edited = await client.get(ConfigMapKind, 'settings', { namespace: 'shop' });
    {
      const live = edited;
      await takeClaimedFields(client, live!, { fieldManager: 'weft' });
    }
    await applySet(client, objects, { takeOwnershipFrom: [...kubectlManagers, 'my-old-script'] });
    expect((await client.get(ConfigMapKind, 'settings', { namespace: 'shop' }))?.['data']).toEqual({ mode: 'fast' });
  });

  it('diffs, with ignore rules', async () => {
    const owner = { name: 'shop', namespace: 'default' };
    await applySet(client, objects, { owner });
    for (const entry of await diff(client, objects, { owner, ignore: [{ paths: ['/spec/replicas'], target: { kind: 'Deployment' } }] })) {
      if (entry.status === 'drifted') console.log(entry.unified);
    }
    expect((await diff(client, objects, { owner })).map((entry) => entry.status)).toEqual(['in-sync', 'in-sync']);

    const rules = [{ paths: ['/data/mode'] }];
    const object = objects[0]!;
    const result = await diffObject(client, object, { fieldManager: 'weft', ignore: compileIgnoreRules(rules) });
    expect(result.status).toBe('drifted'); // the ownership labels are missing from `object`: applySet with owner adds them

    const compiled = compileIgnoreRules([
      { paths: ['/spec/replicas'], target: { kind: 'Deployment', labelSelector: 'autoscaled=true' } },
      { managers: ['kube-controller-manager'] },
    ]);
    expect(compiled.appliesTo({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { autoscaled: 'true' } } })).toBe(true);
    try { compileIgnoreRules([{ paths: ['spec/replicas'] }]); } catch (error) { if (error instanceof InvalidIgnoreRuleError) console.error(error.message); }
    expect(console.error).toHaveBeenCalledWith(expect.stringMatching(/must start with "\/"/));
    const isWeb = compileTarget({ kind: 'Deployment', name: 'web-.*', labelSelector: 'tier=frontend' });
    expect(isWeb({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web-1', labels: { tier: 'frontend' } } })).toBe(true);
  });

  it('tells its errors apart', async () => {
    await client.apply(invalid, { fieldManager: 'weft' }).catch((error) => {
      if (error instanceof KubeApiError && error.code === 422) console.error(error.causes);
    });
    await applySet(client, [invalid]).catch((error) => {
      if (isDriftObjectError(error)) console.error(error.object, error.source, error.message);
    });
    await applySet(client, [invalid]).catch((error) => {
      if (error instanceof DryRunError) for (const failure of error.failures) console.error(failure.message);
    });
    expect(console.error).toHaveBeenCalledWith(expect.stringMatching(/^ConfigMap\/shop\/Not_Valid dry-run failed: /));
    await applySet(client, objects).catch(async (error) => {
      if (error instanceof DryRunError && error.failures.some((failure) => failure instanceof ImmutableFieldError)) await applySet(client, objects, { force: true });
    });
    await applySet(client, objects).catch((error) => { if (error instanceof InvalidSetError) console.error(error.message); });
    await expect(applySet(client, [objects[0]!, objects[0]!])).rejects.toBeInstanceOf(InvalidSetError);
    const worthRetrying = (error: unknown) => isDriftObjectError(error) && error.retryable;
    expect(worthRetrying(await applySet(client, [invalid]).catch((error: unknown) => error))).toBe(false);
  });

  it('waits for health', async () => {
    objectHealth(await client.get(DeploymentKind, 'web', { namespace: 'shop' })); // in memory nothing rolls out: { status: 'progressing', reason: … }
    expect(objectHealth(await client.get(DeploymentKind, 'web', { namespace: 'shop' })).status).toBe('progressing');
    const health = await wait(client, objects, { timeout: 120_000, signal });
    if (!health.healthy) for (const item of health.failed) console.error(item.subject, item.reason);
    expect(health.healthy).toBe(true);
    await wait(client, objects, { signal }).catch((error) => { if (!(error instanceof CancelledError)) throw error; });
  });

  it('diffs objects as values, Secrets masked', async () => {
    const live = await client.get(ConfigMapKind, 'settings', { namespace: 'shop' });
    comparableCopy(live!).metadata.resourceVersion; // undefined: server-written fields are gone
    expect(comparableCopy(live!).metadata.resourceVersion).toBeUndefined();
    fieldChanges({ spec: { replicas: 5 } }, { spec: { replicas: 2 } }); // [{ path: '/spec/replicas', op: 'replace', live: 5, desired: 2 }]
    expect(fieldChanges({ spec: { replicas: 5 } }, { spec: { replicas: 2 } })).toEqual([{ path: '/spec/replicas', op: 'replace', live: 5, desired: 2 }]);
    const liveSecret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token', namespace: 'shop' }, data: { token: 'b2xk' } };
    const desiredSecret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token', namespace: 'shop' }, data: { token: 'bmV3' } };
    const [maskedLive, maskedDesired] = maskSecrets(liveSecret, desiredSecret);
    console.log(unifiedDiff('Secret/shop/token', maskedLive, maskedDesired));
    expect(unifiedDiff('Secret/shop/token', maskedLive, maskedDesired)).not.toMatch(/b2xk|bmV3/);
  });

  it('reads per-object annotations', async () => {
    const kept = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept', namespace: 'shop', annotations: { [annotations.prune]: 'disabled' } }, data: {} };
    const applied = await applySet(client, [kept]);
    expect(await prune(client, applied.inventory, { entries: [] })).toMatchObject({ entries: [{ action: 'skipped', reason: 'pruning disabled by annotation' }] });
    applyPolicyOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', annotations: { 'weft.dev/ssa': 'IfNotPresent' } } }); // 'IfNotPresent'
    expect(applyPolicyOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', annotations: { 'weft.dev/ssa': 'IfNotPresent' } } })).toBe('IfNotPresent');
  });

  it('passes outcome values from stage to stage', async () => {
    {
      const builds = new Subject<BuildOutcome>();
      builds.pipe(applySet(client, { prune: true, owner: { name: 'shop', namespace: 'default' } })).subscribe((outcome) => {
        if (!outcome.ok) console.error(`${outcome.stage} failed for ${outcome.revision}: ${outcome.error.message}`);
      });
      builds.next({ ok: true, stage: 'build', revision: 'v1', objects });
      builds.next({ ok: true, stage: 'build', revision: 'v2', objects: [invalid] });
      await vi.waitFor(() => expect(console.error).toHaveBeenCalledWith(expect.stringMatching(/^apply failed for v2: ConfigMap\/shop\/Not_Valid dry-run failed/)));
      builds.complete();
    }

    const owner: SetOwner = { name: 'shop', namespace: 'default' };
    const builds = new Subject<BuildOutcome>();
    const outcomes$ = builds.pipe(applySet(client, { prune: true, owner }), correctDrift(client, { mode: 'revert', owner }), share());
    const seen: PipelineOutcome[] = [];
    const recording = outcomes$.subscribe((outcome) => seen.push(outcome));
    const failures = outcomes$.subscribe((outcome: PipelineOutcome) => {
      if (!outcome.ok) console.error(`${outcome.stage} failed for ${outcome.revision ?? 'no revision'}: ${outcome.error.message}`);
    });
    const applies = outcomes$.subscribe((outcome: PipelineOutcome) => {
      if (outcome.ok && outcome.stage === 'apply') console.log(summarizeChangeSet(outcome.result));
    });
    const reverts = outcomes$.subscribe((outcome: PipelineOutcome) => {
      if (outcome.ok && outcome.stage === 'drift' && outcome.event.type === 'reverted') console.log(`${outcome.event.subject} put back`);
    });
    const everything = outcomes$.subscribe((outcome: PipelineOutcome) => console.log(outcome.stage, outcome.revision, outcome.ok));

    const built: BuiltSet = { ok: true, stage: 'build', revision: 'v1', objects };
    builds.next(built);
    await vi.waitFor(() => expect(seen.some((outcome) => outcome.ok && outcome.stage === 'drift' && outcome.event.type === 'synced')).toBe(true), { timeout: 10_000 });
    const broken: BuildOutcome = { ok: false, stage: 'build', revision: 'v3', error: new Error('kustomization.yaml: missing.yaml: no such file') };
    builds.next(broken);
    expect(seen.at(-1)).toBe(broken);
    const refused: ApplyOutcome = { ok: false, stage: 'apply', revision: 'v2', error: new Error('ConfigMap/shop/Not_Valid dry-run failed') };
    expect(refused.ok).toBe(false);
    await client.patch({ apiVersion: 'v1', kind: 'ConfigMap' }, 'settings', { data: { mode: 'edited' } }, { namespace: 'shop', fieldManager: 'kubectl-edit' });
    await vi.waitFor(() => expect(console.log).toHaveBeenCalledWith('ConfigMap/shop/settings put back'), { timeout: 10_000 });
    // Drift correction outlives its input; unsubscribing (share() counts subscribers) stops it.
    builds.complete();
    for (const subscription of [recording, failures, applies, reverts, everything]) subscription.unsubscribe();
  });
});
