// Every `@example` of @weft/reconcile-core's public API: each example's code is a verbatim part of
// this file and its imports are this file's imports (api-examples.test.ts checks both).
//
// Most examples are fragments of a reconciler (they use `app`, `ctx`, `client`, … as given): each
// sits in a function below that `pnpm typecheck` checks but nothing calls, with the names it takes
// as given declared once here. The examples that stand alone run in the `it` blocks at the end,
// against testkit's in-memory API server where they talk to a cluster (those reading and writing
// the ConfigMap prod/web, and the REST mapper's).
import type { KubeConfig } from '@kubernetes/client-node';
import { startApiServer } from '@weft/testkit';
import type { Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WeftError, isWeftError, errorGuard, parseDuration, formatDuration, setLongTimeout, sleep, timeoutSignal, type WatchEvent, WatchInactivityError, watch, stripManagedFields, type BackoffPolicy, exponentialBackoff, backoff, reflect, type Store, type StoreWriter, type IndexFunction, createStore, type Predicate, predicates, anyOf, predicateFilter, type ReconcileRequest, requestKey, triggerSelf, triggerOwners, triggerWith, type ScheduleRequest, schedule, retryRateLimiter, run, type Result, type ReconcileContext, type ReconcileOutcome, type ContextRecorder, Reconciler, reconcilerFrom, done, requeueAfter, TerminalError, ReconcileTimeoutError, withTimeout, type ControllerObserver, ControllerError, Controller, controller, ManagerError, KindNotServedError, LeadershipLostError, Manager, ControllerMetrics, type HealthCheck, serveHealth, createLogger, objectLogger, addFinalizer, removeFinalizer, hasFinalizer, isBeingDeleted, reconcileWithFinalizer, FinalizerConflictError, OwnerReferenceError, AlreadyOwnedError, controllerOwnerRef, setControllerReference, isControlledBy, isOwnedBy, type Condition, getCondition, setCondition, removeCondition, isConditionTrue, isReady, isStalled, isReconciling, markReconciling, markReady, markStalled, markNotReady, conditionsSchema, computeStatus, writeStatus, EventRecorder, LeaderElector, LeaderElectionConfigError, ShardingError, shardLabel, shardSelector, shardOf, KubeClient, ClientUsageError, type StatusOf, type StatusPatch, type Declared, type MergePatchOf, type KubeTransport, type TransportRequest, type RawWatchEvent, type ListPage, kubeTransport, apiErrorFromResponse, isKubeApiError, isBadRequestError, isUnauthorizedError, isForbiddenError, isNotFoundError, isAlreadyExistsError, isConflictError, isGoneError, isInvalidError, isTooManyRequestsError, isServerError, isTimeoutError, isCancelledError, isConnectionError, KubeConfigError, type ApiTarget, describeTarget, isUnknownKindError, defaultRetryPolicy, retryDelay, parseRetryAfter, type KubeObject, objectRef, describeObject, inventoryId, type ResourceKind, type ObjectOf, resourceKind, resourcePath, ConfigMapKind, NamespaceKind, DeploymentKind, defineResource, type DefinedResource, ResourceDefinitionError, toCrdSchema, ResourceValidationError, installCRDs, CRDNamesNotAcceptedError, LabelSelectorError, parseLabelSelector } from '@weft/reconcile-core';

// What the fragments take as given.
const WebAppKind = defineResource({
  group: 'apps.example.com',
  version: 'v1',
  kind: 'WebApp',
  schema: {
    type: 'object',
    required: ['spec'],
    properties: {
      spec: { type: 'object', required: ['image'], properties: { image: { type: 'string' }, replicas: { type: 'integer' } } },
      status: { type: 'object', properties: { observedGeneration: { type: 'integer' }, url: { type: 'string' }, conditions: conditionsSchema } },
    },
  },
} as const);
type WebApp = ObjectOf<typeof WebAppKind>;
type ConfigMap = ObjectOf<typeof ConfigMapKind>;
interface Widget extends KubeObject {
  spec?: { size?: number };
}
declare class WebReconciler extends Reconciler<WebApp> {
  reconcile(app: WebApp, ctx: ReconcileContext<WebApp>): Promise<Result>;
  finalize(app: WebApp, ctx: ReconcileContext<WebApp>): Promise<void>;
}
// Set by the run against the in-memory API server below.
let kubeConfig: KubeConfig;
let client: KubeClient;
declare const transport: KubeTransport;
declare const signal: AbortSignal;
declare const stopSignal: AbortSignal;
declare const shutdownSignal: AbortSignal;
declare const shutdown: AbortController;
declare const error: unknown;
declare const input: unknown;
const namespace = 'prod';
declare const name: string;
declare const key: string;
declare const generation: number;
declare const url: string;
declare const data: Record<string, string>;
declare const conditions: Condition[];
declare const metadata: { labels?: Record<string, string> };
declare let resourceVersion: string | undefined;
declare const target: ApiTarget;
declare const app: WebApp;
declare const fetched: WebApp;
declare const ctx: ReconcileContext<WebApp>;
declare const reconciler: WebReconciler;
declare const web: Controller<WebApp>;
declare const manager: Manager;
declare const elector: LeaderElector;
declare const metrics: ControllerMetrics;
declare const store: Store<WebApp>;
declare const writer: StoreWriter<KubeObject>;
declare const event: WatchEvent<KubeObject>;
declare const kind: ResourceKind<KubeObject>;
declare const desired: KubeObject;
declare const configMap: KubeObject;
declare const existing: KubeObject;
declare const logger: ReturnType<typeof createLogger>;
declare const log: ReturnType<typeof createLogger>;
declare const requests$: Observable<ReconcileRequest>;
declare const entries$: Observable<ScheduleRequest<ReconcileRequest>>;
declare const WidgetKind: DefinedResource<Widget>;
declare const DatabaseKind: typeof WebAppKind;
declare const waits: { observe(ms: number): void };
declare const adds: { inc(): void };
declare function desiredDeployment(app: WebApp): KubeObject;
declare function work(): Promise<void>;
declare function poll(): Promise<void>;
declare function scheduleRetry(): void;
declare function retryLater(): void;
declare function retry(): void;
declare function requeue(key: string): void;
declare function refreshToken(): Promise<void>;
declare function reconcileOne(request: ReconcileRequest, signal: AbortSignal): Promise<void>;
declare function cleanup(app: WebApp): Promise<Result>;
declare function alert(message: string | undefined): void;
declare function startControllers(): void;
declare function stopControllers(): void;
declare function fromFetchStream(): Observable<unknown>;


// duration.ts:32
async function example0() {
  parseDuration('1m30s'); // 90000
  parseDuration(250);     // 250
}

// duration.ts:66
async function example1() {
  formatDuration(90_000); // '1m30s'
}

// errors.ts:22
async function example2() {
  class GitSourceError extends WeftError {}
  const isGitSourceError = errorGuard(GitSourceError);
}

// errors.ts:36
async function example3() {
  try { await work(); } catch (error) { if (isWeftError(error) && error.retryable) scheduleRetry(); }
}

// timers.ts:11
async function example4() {
  const timer = setLongTimeout(() => console.log('a month later'), 30 * 24 * 3_600_000).unref();
  timer.clear();
}

// timers.ts:35
async function example5() {
  const timer = setLongTimeout(() => requeue(key), parseDuration('1000h'));
}

// timers.ts:91
async function example6() {
  while (!signal.aborted) {
    await poll();
    if (!(await sleep(5_000, signal))) break;
  }
}

// timers.ts:130
async function example7() {
  const deadline = timeoutSignal(parseDuration('1000h'));
  try {
    await fetch('https://example.com/', { signal: deadline.signal });
  } finally {
    deadline.clear();
  }
}

// client/errors.ts:30
async function example8() {
  try { await client.get(ConfigMapKind, 'web', { namespace: 'prod' }); }
  catch (error) { if (isKubeApiError(error)) console.log(error.code, error.reason, error.object); }
}

// client/errors.ts:75
async function example9() {
  if (isBadRequestError(error)) throw new Error(`fix the request: ${error.message}`);
}

// client/errors.ts:92
async function example10() {
  if (isUnauthorizedError(error)) await refreshToken();
}

// client/errors.ts:109
async function example11() {
  if (isForbiddenError(error)) log.warn({ object: error.object }, 'missing RBAC permission');
}

// client/errors.ts:126
async function example12() {
  const existing = await client.get(ConfigMapKind, 'web', { namespace }).catch((e) => (isNotFoundError(e) ? undefined : Promise.reject(e)));
}

// client/errors.ts:143
async function example13() {
  await client.create(configMap).catch((e) => { if (!isAlreadyExistsError(e)) throw e; });
}

// client/errors.ts:171
async function example14() {
  if (isConflictError(error) && error.fieldManagerConflicts.length > 0) await client.apply(desired, { force: true });
}

// client/errors.ts:195
async function example15() {
  if (isGoneError(error)) resourceVersion = undefined; // relist
}

// client/errors.ts:221
async function example16() {
  if (isInvalidError(error)) for (const f of error.fields) console.log(`${f.field}: ${f.message}`);
}

// client/errors.ts:244
async function example17() {
  if (isTooManyRequestsError(error)) await sleep((error.retryAfterSeconds ?? 1) * 1000);
}

// client/errors.ts:263
async function example18() {
  if (isServerError(error)) requeueAfter('30s');
}

// client/errors.ts:283
async function example19() {
  await client.list(ConfigMapKind, { timeout: '5s' }).catch((e) => { if (isTimeoutError(e)) return retryLater(); throw e; });
}

// client/errors.ts:302
async function example20() {
  try { await client.get(kind, name, { signal }); } catch (e) { if (isCancelledError(e)) return; throw e; }
}

// client/errors.ts:320
async function example21() {
  if (isConnectionError(error)) log.warn({ error: error.message }, 'apiserver unreachable');
}

// client/errors.ts:347
async function example22() {
  throw apiErrorFromResponse({ verb: 'get', target, code: 404, body: { kind: 'Status', reason: 'NotFound', message: 'not found' } });
}

// client/kube-client.ts:79
async function example23() {
  const status: StatusOf<ObjectOf<typeof WebAppKind>> = { observedGeneration: 3 };
}

// client/kube-client.ts:91
async function example24() {
  type Spec = Declared<NonNullable<ObjectOf<typeof WebAppKind>['spec']>>;
}

// client/kube-client.ts:107
async function example25() {
  const patch: MergePatchOf<{ replicas: number; image: string }> = { image: null };
}

// client/kube-client.ts:119
async function example26() {
  const patch: StatusPatch<ObjectOf<typeof WebAppKind>> = { status: { observedGeneration: 3 } };
}

// client/kube-client.ts:188
async function example27() {
  await client.get(ConfigMapKind, 'web').catch((e) => { if (e instanceof ClientUsageError) console.error(e.message); });
}

// client/kube-client.ts:218
async function example28() {
  const client = new KubeClient(kubeConfig);
  const web = await client.get(ConfigMapKind, 'web', { namespace: 'prod' });
  await client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'prod' }, data: { a: '1' } }, { force: true });
}

// client/kube-client.ts:249
async function example29() {
  const deployment = await client.get(DeploymentKind, 'web', { namespace: 'prod' });
}

// client/kube-client.ts:274
async function example30() {
  const page = await client.list(ConfigMapKind, { namespace: 'prod', labelSelector: 'app=web', limit: 100 });
}

// client/kube-client.ts:314
async function example31() {
  for await (const page of client.listPages(ConfigMapKind, { limit: 250 })) console.log(page.items.length);
}

// client/kube-client.ts:334
async function example32() {
  const { items, resourceVersion } = await client.listAll(ConfigMapKind, { namespace: 'prod' });
}

// client/kube-client.ts:360
async function example33() {
  for await (const event of client.watch(ConfigMapKind, { namespace: 'prod', resourceVersion, signal })) console.log(event.type, event.object.metadata.name);
}

// client/kube-client.ts:396
async function example34() {
  const client = new KubeClient(kubeConfig);
  const created = await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'prod' }, data: {} });
}

// client/kube-client.ts:423
async function example35() {
  const current = await client.get(ConfigMapKind, 'web', { namespace });
  await client.update({ ...current, data: { ...current.data, b: '2' } });
}

// client/kube-client.ts:438
async function example36() {
  const client = new KubeClient(kubeConfig);
  await client.updateStatus({ ...app, status: { observedGeneration: app.metadata.generation } });
}

// client/kube-client.ts:460
async function example37() {
  const client = new KubeClient(kubeConfig);
  const applied = await client.apply(desired, { force: true, fieldManager: 'weft-drift' });
}

// client/kube-client.ts:475
async function example38() {
  const client = new KubeClient(kubeConfig);
  await client.applyStatus({ apiVersion: app.apiVersion, kind: app.kind, metadata: { name, namespace }, status: { conditions } }, { force: true });
}

// client/kube-client.ts:492
async function example39() {
  await client.patch(DeploymentKind, 'web', { spec: { replicas: 3 } }, { namespace: 'prod' });
  await client.patch(DeploymentKind, 'web', [{ op: 'replace', path: '/spec/replicas', value: 2 }], { namespace: 'prod', type: 'json' });
}

// client/kube-client.ts:512
async function example40() {
  const client = new KubeClient(kubeConfig);
  await client.patchStatus(WebAppKind, 'web', { status: { observedGeneration: 3 } }, { namespace: 'prod' });
}

// client/kube-client.ts:530
async function example41() {
  await client.delete(DeploymentKind, 'web', { namespace: 'prod', propagationPolicy: 'Foreground' });
}

// client/kube-client.ts:563
async function example42() {
  const client = new KubeClient(kubeConfig);
  const kind = await client.resourceKind({ apiVersion: 'example.com/v1', kind: 'Widget' });
}

// client/kube-client.ts:577
async function example43() {
  const client = new KubeClient(kubeConfig);
  client.close();
}

// client/kube-transport.ts:12
async function example44() {
  const raw: RawWatchEvent = { type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '7' } } };
}

// client/kube-transport.ts:27
async function example45() {
  const page: ListPage = { items: [], resourceVersion: '42' };
}

// client/kube-transport.ts:43
async function example46() {
  const request: TransportRequest = { path: '/api/v1/configmaps', query: { limit: '500' }, accept: 'application/json', signal };
}

// client/kube-transport.ts:64
async function example47() {
  watch(ConfigMapKind, { transport: kubeTransport(client) });
}

// client/kube-transport.ts:83
async function example48() {
  const transport = kubeTransport(client);
  await transport.request('PATCH', '/api/v1/namespaces/prod/configmaps/web', { body: { data: { a: '1' } }, contentType: 'application/merge-patch+json' });
}

// client/kube-transport.ts:116
async function example49() {
  const transport = kubeTransport(client);
  const page = await transport.list({ path: '/api/v1/configmaps', query: { limit: '10' }, accept: 'application/json', signal });
}

// client/rest-mapper.ts:30
async function example50() {
  await client.mapper.resolve({ apiVersion: 'example.com/v1', kind: 'Widget' }).catch((e) => { if (isUnknownKindError(e)) return installCRDs(client, [WidgetKind]); throw e; });
}

// client/rest-mapper.ts:66
async function example51() {
  const client = new KubeClient(kubeConfig);
  const kind = await client.mapper.resolve({ apiVersion: 'apps/v1', kind: 'Deployment' });
}

// client/rest-mapper.ts:86
async function example52() {
  const client = new KubeClient(kubeConfig);
  const kind = await client.mapper.resolve({ apiVersion: 'apps/v1', kind: 'Deployment' }); // { plural: 'deployments', namespaced: true, … }
}

// client/rest-mapper.ts:110
async function example53() {
  const client = new KubeClient(kubeConfig);
  const resources = await client.mapper.apiResources('apps/v1');
}

// client/rest-mapper.ts:124
async function example54() {
  const client = new KubeClient(kubeConfig);
  client.mapper.invalidate('example.com/v1');
}

// client/retry.ts:43
async function example55() {
  retryDelay(error, 0, { method: 'GET' }, defaultRetryPolicy); // e.g. 184 (ms), or undefined to give up
}

// client/retry.ts:68
async function example56() {
  parseRetryAfter('3'); // 3
}

// client/status.ts:62
async function example57() {
  describeTarget({ group: '', version: 'v1', kind: 'ConfigMap', namespace: 'prod' }); // 'ConfigMap/prod'
}

// client/transport.ts:51
async function example58() {
  await client.get(ConfigMapKind, 'web', { namespace }).catch((e) => { if (e instanceof KubeConfigError) console.error(e.message); });
}

// controller/controller.ts:26
async function example59() {
  controller(WebAppKind, { namespace: 'prod', concurrency: 4, timeout: '2m', finalizer: 'webapps.example.com/cleanup' });
}

// controller/controller.ts:77
async function example60() {
  web.run({ kubeConfig, stopSignal: shutdown.signal, observer: new ControllerMetrics() }).subscribe();
}

// controller/controller.ts:104
async function example61() {
  const observer: ControllerObserver = { queue: () => ({}), reconciled: (outcome) => console.log(outcome.key, outcome.result) };
}

// controller/controller.ts:126
async function example62() {
  web.subscribe({ error: (error) => { if (error instanceof ControllerError) console.error(error.message); } });
}

// controller/controller.ts:156
async function example63() {
  const web = controller(WebAppKind, { concurrency: 4 })
    .owns(DeploymentKind)
    .watches(ConfigMapKind, (cm) => [{ namespace: cm.metadata.namespace, name: cm.metadata.labels?.['app'] ?? '' }])
    .reconcile(new WebReconciler());
}

// controller/controller.ts:174
async function example64() {
  const base = controller(WebAppKind).owns(DeploymentKind);
  const web = base.reconcile(new WebReconciler());
}

// controller/controller.ts:193
async function example65() {
  controller(WebAppKind).owns(DeploymentKind);
}

// controller/controller.ts:217
async function example66() {
  controller(WebAppKind).watches(ConfigMapKind, (cm, apps) => apps.byIndex('namespace', cm.metadata.namespace ?? '').map((app) => ({ namespace: app.metadata.namespace, name: app.metadata.name })));
}

// controller/controller.ts:242
async function example67() {
  controller(ConfigMapKind, { kubeConfig }).reconcile(async (cm) => done).subscribe(console.log);
}

// controller/controller.ts:266
async function example68() {
  const web = controller(ConfigMapKind, { kubeConfig }).reconcile(async () => done);
  const subscription = web.subscribe((outcome) => console.log(outcome.key, outcome.result));
}

// controller/controller.ts:316
async function example69() {
  const web = controller(ConfigMapKind).reconcile(async () => done);
  web.run({ kubeConfig, stopSignal }).subscribe((outcome) => console.log(outcome.key, outcome.result));
}

// controller/health.ts:10
async function example70() {
  serveHealth({ port: 8081, ready: () => manager.ready });
}

// controller/health.ts:33
async function example71() {
  const ready: HealthCheck = () => manager.notReady ?? true;
}

// controller/health.ts:46
async function example72() {
  const server = await serveHealth({ port: 0 });
  console.log(server.port);
  await server.close();
}

// controller/health.ts:71
async function example73() {
  const server = await serveHealth({ port: 8080, registry: metrics.registry, ready: () => store.isReady });
}

// controller/logging.ts:8
async function example74() {
  createLogger({ level: 'debug', name: 'web-operator' });
}

// controller/logging.ts:32
async function example75() {
  const logger = createLogger({ level: 'debug' });
  logger.child({ controller: 'webapp' }).info('started');
}

// controller/logging.ts:55
async function example76() {
  objectLogger(logger, 'webapp', { namespace: 'prod', name: 'web' }).info('reconciled');
}

// controller/manager.ts:26
async function example77() {
  new Manager({ kubeConfig, leaderElection: { name: 'web-operator', namespace: 'operators' }, metrics: { port: 8080 }, shard: 'shard1' });
}

// controller/manager.ts:60
async function example78() {
  manager.start().catch((error) => { if (error instanceof ManagerError) console.error(error.message); });
}

// controller/manager.ts:76
async function example79() {
  await manager.start({ signal }).catch((error) => { if (error instanceof KindNotServedError) console.error(`kubectl apply the CRD ${error.crd}`); throw error; });
}

// controller/manager.ts:109
async function example80() {
  await manager.start({ signal }).catch((error) => { if (error instanceof LeadershipLostError) process.exit(1); throw error; });
}

// controller/manager.ts:135
async function example81() {
  const manager = new Manager({ kubeConfig, metrics: { port: 8080 } });
  manager.add(controller(WebAppKind).owns(DeploymentKind).reconcile(new WebReconciler()));
  await manager.start({ signal });
}

// controller/metrics.ts:23
async function example82() {
  const metrics = new ControllerMetrics();
  web.run({ kubeConfig, observer: metrics }).subscribe();
  const text = await metrics.registry.metrics();
}

// controller/reconciler.ts:17
async function example83() {
  const result: Result = requeueAfter('30s');
}

// controller/reconciler.ts:32
async function example84() {
  return done;
}

// controller/reconciler.ts:47
async function example85() {
  return requeueAfter('5m');
}

// controller/reconciler.ts:62
async function example86() {
  if (!app.spec.image) throw new TerminalError('spec.image is required');
}

// controller/reconciler.ts:83
async function example87() {
  if (ctx.signal.reason instanceof ReconcileTimeoutError) ctx.logger.warn('timed out');
}

// controller/reconciler.ts:104
async function example88() {
  const recorder: ContextRecorder | undefined = ctx.recorder;
  recorder?.event(app, 'Normal', 'Reconciled', 'applied 3 objects');
}

// controller/reconciler.ts:121
async function example89() {
  async function reconcile(app: WebApp, ctx: ReconcileContext<WebApp>) {
    await ctx.client.apply(desiredDeployment(app), { force: true, signal: ctx.signal });
    return done;
  }
}

// controller/reconciler.ts:166
async function example90() {
  class WebReconciler extends Reconciler<WebApp> {
    async reconcile(app: WebApp, ctx: ReconcileContext<WebApp>): Promise<Result> {
      ctx.logger.info({ replicas: app.spec.replicas }, 'reconciling');
      return requeueAfter('5m');
    }
  }
}

// controller/reconciler.ts:188
async function example91() {
  const reconciler = reconcilerFrom<ConfigMap>(async (cm, ctx) => { ctx.logger.info('seen'); return done; });
}

// controller/reconciler.ts:209
async function example92() {
  web.subscribe((outcome: ReconcileOutcome) => { if (outcome.result === 'error') console.error(outcome.key, outcome.error); });
}

// controller/reconciler.ts:241
async function example93() {
  await withTimeout('prod/web', 30_000, shutdownSignal, (signal) => reconciler.reconcile(app, { ...ctx, signal }));
}

// lifecycle/conditions.ts:49
async function example94() {
  defineResource({ group: 'example.com', version: 'v1', kind: 'WebApp', schema: { type: 'object', properties: {
    status: { type: 'object', properties: { conditions: conditionsSchema } } } } } as const);
}

// lifecycle/conditions.ts:96
async function example95() {
  const ready = getCondition(app, 'Ready'); // { type: 'Ready', status: 'True', … } | undefined
}

// lifecycle/conditions.ts:113
async function example96() {
  const conditions = setCondition(app.status?.conditions, { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'deployed', observedGeneration: 3 });
}

// lifecycle/conditions.ts:138
async function example97() {
  const conditions = removeCondition(app.status?.conditions, 'Stalled', 'Reconciling');
}

// lifecycle/conditions.ts:152
async function example98() {
  if (isConditionTrue(app, 'Ready')) console.log('ready');
}

// lifecycle/conditions.ts:167
async function example99() {
  if (isReady(await client.get(WebAppKind, 'web', { namespace }))) console.log('web is ready');
}

// lifecycle/conditions.ts:187
async function example100() {
  if (isStalled(app)) alert(getCondition(app, 'Stalled')?.message);
}

// lifecycle/conditions.ts:201
async function example101() {
  if (isReconciling(app)) console.log('in progress');
}

// lifecycle/conditions.ts:231
async function example102() {
  await client.patchStatus(WebAppKind, name, { status: markReconciling(app.status, { reason: 'Progressing', message: 'rolling out', generation: app.metadata.generation }) }, { namespace });
}

// lifecycle/conditions.ts:251
async function example103() {
  const status = markReady(app.status, { reason: 'Succeeded', message: 'applied revision main@sha1:…', generation: app.metadata.generation });
}

// lifecycle/conditions.ts:270
async function example104() {
  const status = markStalled(app.status, { reason: 'InvalidSpec', message: 'spec.path does not exist', generation });
}

// lifecycle/conditions.ts:289
async function example105() {
  const status = markNotReady(app.status, { reason: 'ApplyFailed', message: String(error), generation });
}

// lifecycle/events.ts:105
async function example106() {
  const recorder = new EventRecorder(client, { reportingController: 'weft.dev/web-operator' });
  await recorder.publish(app, { type: 'Warning', reason: 'ApplyFailed', action: 'Apply', note: String(error) });
  await recorder.close();
}

// lifecycle/events.ts:133
async function example107() {
  const recorder = new EventRecorder(client, { reportingController: 'weft.dev/web-operator' });
  void recorder.publish(app, { type: 'Normal', reason: 'ReconciliationSucceeded', action: 'Reconcile', note: 'applied 12 objects' });
}

// lifecycle/events.ts:189
async function example108() {
  const recorder = new EventRecorder(client, { reportingController: 'weft.dev/web-operator' });
  void recorder.event(app, 'Warning', 'ApplyFailed', 'Deployment/prod/web: field is immutable');
}

// lifecycle/events.ts:203
async function example109() {
  const recorder = new EventRecorder(client, { reportingController: 'weft.dev/web-operator' });
  await recorder.flush();
}

// lifecycle/events.ts:217
async function example110() {
  const recorder = new EventRecorder(client, { reportingController: 'weft.dev/web-operator' });
  await recorder.close();
}

// lifecycle/finalizers.ts:24
async function example111() {
  await addFinalizer(client, app, 'weft.dev/cleanup').catch((e) => { if (e instanceof FinalizerConflictError) return requeueAfter('1s'); throw e; });
}

// lifecycle/finalizers.ts:46
async function example112() {
  if (!hasFinalizer(app, 'weft.dev/cleanup')) await addFinalizer(client, app, 'weft.dev/cleanup');
}

// lifecycle/finalizers.ts:60
async function example113() {
  if (isBeingDeleted(app)) return cleanup(app);
}

// lifecycle/finalizers.ts:80
async function example114() {
  const app = await addFinalizer(client, fetched, 'weft.dev/cleanup', { signal });
}

// lifecycle/finalizers.ts:99
async function example115() {
  await removeFinalizer(client, app, 'weft.dev/cleanup', { signal });
}

// lifecycle/finalizers.ts:173
async function example116() {
  const outcome = await reconcileWithFinalizer(client, app, {
    finalizer: 'weft.dev/cleanup', signal,
    apply: (live) => reconciler.reconcile(live, ctx),
    cleanup: (dying) => reconciler.finalize(dying, ctx),
  });
}

// lifecycle/kstatus.ts:43
async function example117() {
  const { status, message } = computeStatus(await client.get(DeploymentKind, 'web', { namespace }));
  if (status === 'Failed') console.error(message);
}

// lifecycle/leader-election.ts:46
async function example118() {
  try { new LeaderElector(client, { name: 'op', renewDeadline: '20s' }); } catch (e) { if (e instanceof LeaderElectionConfigError) console.error(e.message); }
}

// lifecycle/leader-election.ts:81
async function example119() {
  const elector = new LeaderElector(client, { name: 'web-operator', namespace: 'operators' });
  elector.leading$.subscribe((leading) => (leading ? startControllers() : stopControllers()));
  await elector.run({ signal });
}

// lifecycle/leader-election.ts:130
async function example120() {
  const controller = new AbortController();
  process.once('SIGTERM', () => controller.abort());
  await elector.run({ signal: controller.signal });
}

// lifecycle/owner-references.ts:23
async function example121() {
  try { setControllerReference(app, configMap); } catch (error) { if (error instanceof OwnerReferenceError) throw new TerminalError(error.message); }
}

// lifecycle/owner-references.ts:45
async function example122() {
  try { setControllerReference(app, existing); } catch (error) { if (error instanceof AlreadyOwnedError) console.log(error.controller.name); }
}

// lifecycle/owner-references.ts:68
async function example123() {
  const child = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, ownerReferences: [controllerOwnerRef(app)] }, data };
}

// lifecycle/owner-references.ts:93
async function example124() {
  await ctx.client.apply(setControllerReference(app, desiredDeployment(app)), { force: true, signal: ctx.signal });
}

// lifecycle/owner-references.ts:119
async function example125() {
  if (existing && !isControlledBy(existing, app)) throw new TerminalError(`${name} belongs to someone else`);
}

// lifecycle/owner-references.ts:134
async function example126() {
  const children = store.list().filter((child) => isOwnedBy(child, app));
}

// lifecycle/sharding.ts:8
async function example127() {
  metadata.labels = { [shardLabel]: 'shard1' };
}

// lifecycle/sharding.ts:22
async function example128() {
  new Manager({ kubeConfig, shard: { keys: ['shard1', 'shard2'] } });
}

// lifecycle/sharding.ts:35
async function example129() {
  try { shardSelector('bad key'); } catch (error) { if (error instanceof ShardingError) console.error(error.message); }
}

// lifecycle/sharding.ts:58
async function example130() {
  shardSelector('shard1');          // 'sharding.fluxcd.io/key in (shard1)'
  shardSelector({ main: true });    // '!sharding.fluxcd.io/key'
}

// lifecycle/sharding.ts:77
async function example131() {
  shardOf({ metadata: { labels: { 'sharding.fluxcd.io/key': 'shard1' } } }); // 'shard1'
}

// lifecycle/write-status.ts:35
async function example132() {
  const ready = markReady(app.status, { reason: 'Succeeded', message: 'deployed', generation: app.metadata.generation });
  if (await writeStatus(ctx.client, app, { ...ready, url }, { signal: ctx.signal })) ctx.recorder?.event(app, 'Normal', 'Succeeded', 'deployed');
}

// pipeline/backoff.ts:10
async function example133() {
  const policy: BackoffPolicy = exponentialBackoff();
  setTimeout(retry, policy.next());
}

// pipeline/backoff.ts:29
async function example134() {
  exponentialBackoff({ initialMs: 100, maxMs: 10_000, jitter: 0.2 });
}

// pipeline/backoff.ts:63
async function example135() {
  const policy = exponentialBackoff({ initialMs: 100, maxMs: 5_000, jitter: 0 });
  policy.next(); // 100
  policy.next(); // 200
}

// pipeline/backoff.ts:110
async function example136() {
  fromFetchStream().pipe(backoff({ onError: (error, delayMs) => log.warn({ error, delayMs }, 'retrying') }));
}

// pipeline/predicate.ts:10
async function example137() {
  const image: Predicate<KubeObject> = (object) => JSON.stringify((object as { spec?: { template?: unknown } }).spec?.template);
}

// pipeline/predicate.ts:30
async function example138() {
  controller(WebAppKind, { predicate: anyOf(predicates.generation, predicates.annotations, predicates.finalizers) });
}

// pipeline/predicate.ts:49
async function example139() {
  anyOf(predicates.generation, predicates.annotations);
}

// pipeline/predicate.ts:77
async function example140() {
  watch(WebAppKind, { transport }).pipe(reflect(writer), predicateFilter(predicates.generation), triggerSelf());
}

// pipeline/reflect.ts:12
async function example141() {
  const { store, writer } = createStore<KubeObject>();
  watch(ConfigMapKind, { transport: kubeConfig }).pipe(reflect(writer)).subscribe();
}

// pipeline/runner.ts:9
async function example142() {
  run(work, { keyOf: requestKey, hooks: { onStarted: (key, waitedMs) => waits.observe(waitedMs) } });
}

// pipeline/runner.ts:29
async function example143() {
  run(work, { keyOf: requestKey, concurrency: 8, onSourceComplete: 'finish-in-flight' });
}

// pipeline/runner.ts:74
async function example144() {
  requests$.pipe(run((request, signal) => reconcileOne(request, signal), { keyOf: requestKey, concurrency: 4 }));
}

// pipeline/scheduler.ts:9
async function example145() {
  const entry: ScheduleRequest<ReconcileRequest> = { request: { namespace: 'prod', name: 'web' }, runAt: Date.now() + 5_000 };
}

// pipeline/scheduler.ts:25
async function example146() {
  schedule({ keyOf: requestKey, onAdd: () => adds.inc() });
}

// pipeline/scheduler.ts:57
async function example147() {
  entries$.pipe(schedule({ keyOf: requestKey })); // ScheduleRequest<ReconcileRequest> in, ReconcileRequest out
}

// pipeline/scheduler.ts:112
async function example148() {
  retryRateLimiter({ baseDelayMs: 100, maxDelayMs: 60_000 });
}

// pipeline/scheduler.ts:134
async function example149() {
  const limiter = retryRateLimiter();
  const delay = limiter.when('prod/web');
}

// pipeline/scheduler.ts:159
async function example150() {
  const limiter = retryRateLimiter({ baseDelayMs: 100 });
  limiter.when('prod/web'); // 100
  limiter.when('prod/web'); // 200
  limiter.forget('prod/web');
}

// pipeline/store.ts:10
async function example151() {
  const byApp: IndexFunction<KubeObject> = (object) => [object.metadata.labels?.['app'] ?? ''];
}

// pipeline/store.ts:23
async function example152() {
  createStore<KubeObject>({ indexes: { app: (object) => [object.metadata.labels?.['app'] ?? ''] } });
}

// pipeline/store.ts:48
async function example153() {
  const { store } = createStore<KubeObject>();
  await store.ready({ signal });
  const web = store.get('prod/web');
}

// pipeline/store.ts:87
async function example154() {
  watch(ConfigMapKind, { transport: kubeConfig }).pipe(reflect(writer)).subscribe();
}

// pipeline/store.ts:163
async function example155() {
  const { store, writer } = createStore<KubeObject>({ indexes: { app: (o) => [o.metadata.labels?.['app'] ?? ''] } });
  watch(ConfigMapKind, { transport: kubeConfig }).pipe(reflect(writer)).subscribe();
  await store.ready();
  store.byIndex('namespace', 'prod');
}

// pipeline/triggers.ts:12
async function example156() {
  const request: ReconcileRequest = { namespace: 'prod', name: 'web' };
}

// pipeline/triggers.ts:28
async function example157() {
  requestKey({ namespace: 'prod', name: 'web' }); // 'prod/web'
}

// pipeline/triggers.ts:67
async function example158() {
  watch(WebAppKind, { transport: kubeConfig }).pipe(triggerSelf()); // Observable<ReconcileRequest>
}

// pipeline/triggers.ts:92
async function example159() {
  triggerOwners(WebAppKind, { controllerOnly: false });
}

// pipeline/triggers.ts:115
async function example160() {
  watch(DeploymentKind, { transport: kubeConfig }).pipe(triggerOwners(WebAppKind));
}

// pipeline/triggers.ts:142
async function example161() {
  watch(ConfigMapKind, { transport: kubeConfig }).pipe(
    triggerWith((cm) => store.byIndex('configMap', cm.metadata.name).map((app) => ({ namespace: app.metadata.namespace, name: app.metadata.name }))),
  );
}

// pipeline/watch.ts:24
async function example162() {
  watch(ConfigMapKind, { transport: kubeConfig }).subscribe((event) => {
    if (event.type === 'Apply') console.log(event.object.metadata.name);
  });
}

// pipeline/watch.ts:45
async function example163() {
  if (event.type === 'Error' && event.error instanceof WatchInactivityError) console.warn('the watch went silent');
}

// pipeline/watch.ts:63
async function example164() {
  watch(ConfigMapKind, { transport: kubeConfig, namespace: 'prod', labelSelector: 'app=web', metadataOnly: true });
}

// pipeline/watch.ts:125
async function example165() {
  watch(ConfigMapKind, { transport: kubeConfig, namespace: 'prod', transform: stripManagedFields })
    .subscribe((event) => console.log(event.type));
}

// pipeline/watch.ts:327
async function example166() {
  watch(ConfigMapKind, { transport: kubeConfig, transform: stripManagedFields });
}

// resource/crd-schema.ts:29
async function example167() {
  try { defineResource({ group: 'example.com', version: 'v1', kind: 'Widget', schema: { $ref: '#/x' } }); }
  catch (error) { if (error instanceof ResourceDefinitionError) console.error(error.message); }
}

// resource/crd-schema.ts:107
async function example168() {
  toCrdSchema({ type: 'integer', exclusiveMinimum: 0 }, 'Widget'); // { type: 'integer', minimum: 0, exclusiveMinimum: true }
}

// resource/define-resource.ts:92
async function example169() {
  const WebAppKind = defineResource({
    group: 'apps.example.com', version: 'v1', kind: 'WebApp',
    schema: {
      type: 'object',
      properties: {
        spec: { type: 'object', required: ['image'], properties: { image: { type: 'string' }, replicas: { type: 'integer', minimum: 0 } } },
        status: { type: 'object', properties: { observedGeneration: { type: 'integer' } } },
      },
    },
  } as const);
  type WebApp = ObjectOf<typeof WebAppKind>; // { spec?: { image: string; replicas?: number }, status?: …, metadata, … }
  await installCRDs(client, [WebAppKind]);
}

// resource/install-crds.ts:26
async function example170() {
  await installCRDs(client, [WidgetKind]).catch((e) => { if (e instanceof CRDNamesNotAcceptedError) console.error(e.message); });
}

// resource/install-crds.ts:53
async function example171() {
  await installCRDs(client, [WebAppKind, DatabaseKind], { signal, timeout: '30s' });
}

// resource/kinds.ts:45
async function example172() {
  const WidgetKind = resourceKind<Widget>({ apiVersion: 'example.com/v1', kind: 'Widget', plural: 'widgets', namespaced: true });
}

// resource/kinds.ts:89
async function example173() {
  resourcePath(DeploymentKind, { namespace: 'prod', name: 'web' }); // '/apis/apps/v1/namespaces/prod/deployments/web'
  resourcePath(NamespaceKind, {});                                   // '/api/v1/namespaces'
}

// resource/label-selector.ts:27
async function example174() {
  try { parseLabelSelector('app in web'); } catch (error) { if (error instanceof LabelSelectorError) console.error(error.selector, error.message); }
}

// resource/label-selector.ts:59
async function example175() {
  const selector = parseLabelSelector('app=web,env in (prod,staging)');
  selector.matches({ app: 'web', env: 'prod' }); // true
}

// resource/objects.ts:33
async function example176() {
  objectRef({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' } });
  // { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'web' }
}

// resource/objects.ts:50
async function example177() {
  describeObject({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'web' }); // 'Deployment/prod/web'
}

// resource/objects.ts:64
async function example178() {
  inventoryId({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'web' }); // 'prod_web_apps_Deployment'
}

// resource/validator.ts:15
async function example179() {
  try { WidgetKind.assertValid(input); } catch (e) { if (e instanceof ResourceValidationError) for (const f of e.errors) console.log(f.field, f.message); }
}

describe('the @examples of @weft/reconcile-core that stand alone, run', () => {
  beforeAll(() => {
    for (const method of ['log', 'error', 'warn'] as const) vi.spyOn(console, method).mockImplementation(() => undefined);
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  it.each([
    ['durations', [example0, example1]],
    ['timers', [example4]],
    ['retries and targets', [example56, example57]],
    ['the health server and logging', [example72, example74, example75]],
    ['sharding', [example129, example130, example131]],
    ['backoff and retry rate limits', [example134, example135, example148, example150]],
    ['stores, requests and schedules', [example145, example151, example152, example156, example157, example159]],
    ['custom resources and their schemas', [example94, example167, example168, example172]],
    ['kinds, selectors and object references', [example173, example174, example175, example176, example177, example178]],
  ])('%s', async (_what, examples) => {
    for (const example of examples) await expect(example()).resolves.toBeUndefined();
  });
});

describe('the @examples of @weft/reconcile-core that talk to a cluster, run against the in-memory API server', () => {
  it('create, read, list, apply and update a ConfigMap, and map kinds to resources', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    await using server = await startApiServer();
    kubeConfig = server.kubeConfig;
    client = new KubeClient(kubeConfig);
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    for (const example of [example34, example28, example30, example32, example31, example35, example51, example52, example53, example54, example43]) await example();
    expect((await client.get(ConfigMapKind, 'web', { namespace })).data).toEqual({ a: '1', b: '2' });
    expect(log).toHaveBeenCalledWith(1); // listPages' one page of one ConfigMap
    client.close();
    log.mockRestore();
  });
});
