// The code samples of docs/concepts.md. Each ```ts block of the guide is a verbatim part of this
// file (docs/examples/docs.test.ts checks that), so every sample type-checks with `pnpm typecheck`.
import type { KubeConfig } from '@kubernetes/client-node';
import {
  ConfigMapKind,
  computeStatus,
  controller,
  createStore,
  done,
  EventRecorder,
  getCondition,
  isConflictError,
  KubeClient,
  markNotReady,
  markReady,
  markReconciling,
  markStalled,
  type ObjectOf,
  type ReconcileContext,
  type ReconcileRequest,
  reconcilerFrom,
  reflect,
  requeueAfter,
  requestKey,
  run,
  schedule,
  TerminalError,
  triggerSelf,
  watch,
} from '@weft/reconcile-core';
import { filter, map, merge, Subject } from 'rxjs';

type ConfigMap = ObjectOf<typeof ConfigMapKind>;
declare const kubeConfig: KubeConfig;
declare const signal: AbortSignal;

export function customPipeline(): void {
  // The stages controller() is built from, wired by hand. The watch shares the client's connections.
  const client = new KubeClient(kubeConfig);
  const { store, writer } = createStore<ConfigMap>();

  const requeues = new Subject<{ request: ReconcileRequest; runAt: number }>();
  const requests = watch(ConfigMapKind, { transport: client, namespace: 'default', labelSelector: 'app=web' }).pipe(
    reflect(writer), //               keep the cache up to date (events pass through unchanged)
    triggerSelf(), //                 every event → the key of its object
    map((request) => ({ request, runAt: 0 })),
  );

  const outcomes = merge(requests, requeues).pipe(
    schedule({ keyOf: requestKey }), // one pending entry per key, earliest runAt wins
    run(
      async (request, runSignal) => {
        const object = store.get(request);
        if (!object) return `${requestKey(request)} is gone`;
        await client.apply({ ...object, data: { ...object.data, seen: 'yes' } }, { signal: runSignal });
        requeues.next({ request, runAt: Date.now() + 60_000 }); // come back in a minute
        return `${requestKey(request)} reconciled`;
      },
      { keyOf: requestKey, concurrency: 4 }, // a key never runs twice at once
    ),
  );
  const subscription = outcomes.subscribe((line) => console.log(line));
  signal.addEventListener('abort', () => subscription.unsubscribe()); // unsubscribing is shutdown
}

export function observeOutcomes(): void {
  // The same stages through the builder; the controller is an Observable of outcomes.
  const web = controller(ConfigMapKind, { kubeConfig, namespace: 'default', concurrency: 4 }).reconcile(async (configMap, ctx) => {
    ctx.logger.info({ keys: Object.keys(configMap.data ?? {}) }, 'reconciling');
    return requeueAfter('1m');
  });
  web.pipe(filter((outcome) => outcome.result === 'error')).subscribe((outcome) => {
    console.error(outcome.key, outcome.terminal ? 'gave up:' : `retrying in ${outcome.requeueAfterMs} ms:`, outcome.error);
  });
}

export const resultsAndErrors = reconcilerFrom<ConfigMap>(async (configMap, ctx) => {
  const replicas = Number(configMap.data?.['replicas']);
  // Retrying cannot fix a bad spec: not retried until the object changes.
  if (!Number.isInteger(replicas)) throw new TerminalError(`ConfigMap/${ctx.key}: data.replicas is not a number`);
  try {
    await ctx.client.apply(configMap, { signal: ctx.signal });
  } catch (error) {
    // Anything thrown is retried with per-key exponential backoff (5 ms doubling to ~16 min).
    if (isConflictError(error)) ctx.logger.warn('someone else owns these fields');
    throw error;
  }
  if (configMap.metadata.annotations?.['example.com/poll'] === 'true') return requeueAfter('30s'); // come back later
  return done; // converged: wait for the next change
});

export async function conditionsInStatus(app: ConfigMap & { status?: { observedGeneration?: number } }, ctx: ReconcileContext<ConfigMap>): Promise<void> {
  const generation = app.metadata.generation;
  // Starting work that takes a while: Reconciling=True, Ready=Unknown.
  let status = markReconciling(app.status, { reason: 'Progressing', message: 'rolling out', generation });
  // Done: Ready=True, observedGeneration = generation.
  status = markReady(status, { reason: 'Succeeded', message: 'rolled out', generation });
  // Failed, will retry: Ready=False, Reconciling=True (ProgressingWithRetry).
  status = markNotReady(status, { reason: 'ApplyFailed', message: 'the apiserver said no', generation });
  // Failed, retrying will not help: Stalled=True, Ready=False.
  status = markStalled(status, { reason: 'InvalidSpec', message: 'spec.image is empty', generation });
  await ctx.client.patchStatus(ConfigMapKind, app.metadata.name, { status }, { namespace: app.metadata.namespace, signal: ctx.signal });

  console.log(getCondition(status, 'Ready')?.reason); // 'InvalidSpec'
  console.log(computeStatus({ metadata: app.metadata, status })); // { status: 'Failed', message: 'InvalidSpec: spec.image is empty' } (kstatus)
}

export async function recordEvents(client: KubeClient, app: ConfigMap): Promise<void> {
  const recorder = new EventRecorder(client, { reportingController: 'example.com/web-operator' });
  // Repeats within 6 minutes become one Event with a growing series.count, as client-go does.
  await recorder.publish(app, { type: 'Warning', reason: 'ApplyFailed', action: 'Apply', note: 'Deployment/prod/web: field is immutable' });
  await recorder.close();
}
