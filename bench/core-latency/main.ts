// core-latency: 200 ConfigMap updates per second for 30 s against a private real apiserver; for each
// update, the time from its PATCH response to the start of the first reconcile that sees it (p50, p99).
// Baseline: the same updates observed through client-node's makeInformer `update` callback, in the
// same process at the same time.
import { ConfigMapKind, controller, createLogger, done, type KubeObject, kubeTransport } from '@weft/reconcile-core';
import { startControlPlane } from '@weft/testkit';
import { configMapInformer } from '../core-coldstart/client-node.ts';

const ratePerSecond = Number(process.env['BENCH_RATE'] ?? '200');
const seconds = Number(process.env['BENCH_SECONDS'] ?? '30');
const objects = 100;
const namespace = 'latency';

interface Seen {
  readonly resourceVersion: number;
  readonly at: number;
}

await using controlPlane = await startControlPlane();
const transport = kubeTransport(controlPlane.kubeConfig);
await transport.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } });
for (let i = 0; i < objects; i++) {
  await transport.request('POST', `/api/v1/namespaces/${namespace}/configmaps`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { n: '0' } } });
}

const record = (into: Map<string, Seen[]>, object: KubeObject) => {
  const list = into.get(object.metadata.name) ?? [];
  list.push({ resourceVersion: Number(object.metadata.resourceVersion), at: performance.now() });
  into.set(object.metadata.name, list);
};

// Weft: a controller whose reconcile only notes when it started.
const weftSeen = new Map<string, Seen[]>();
const web = controller(ConfigMapKind, { kubeConfig: controlPlane.kubeConfig, namespace, concurrency: 16, logger: createLogger({ level: 'silent' }) }).reconcile(async (cm) => {
  record(weftSeen, cm);
  return done;
});
const subscription = web.subscribe();

// Baseline: client-node's informer, noting each update callback.
const baselineSeen = new Map<string, Seen[]>();
const informer = await configMapInformer<KubeObject>(controlPlane.kubeconfigPath, namespace);
informer.on('update', (cm) => record(baselineSeen, cm));
informer.on('add', (cm) => record(baselineSeen, cm));
await informer.start();
while (!web.store?.isReady) await new Promise((resolve) => setTimeout(resolve, 50));
await new Promise((resolve) => setTimeout(resolve, 1_000));

// The update stream: one PATCH every 1/rate seconds, round robin over the objects.
const updates: { name: string; resourceVersion: number; respondedAt: number }[] = [];
const inFlight = new Set<Promise<void>>();
let failedUpdates = 0;
const total = ratePerSecond * seconds;
const started = performance.now();
for (let n = 1; n <= total; n++) {
  const due = started + (n * 1000) / ratePerSecond;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const name = `cm-${n % objects}`;
  const sent = transport
    .request<KubeObject>('PATCH', `/api/v1/namespaces/${namespace}/configmaps/${name}`, { body: { data: { n: String(n) } }, contentType: 'application/merge-patch+json' })
    .then(
      (updated) => void updates.push({ name, resourceVersion: Number(updated.metadata.resourceVersion), respondedAt: performance.now() }),
      () => void (failedUpdates += 1),
    );
  inFlight.add(sent);
  void sent.finally(() => inFlight.delete(sent));
}
await Promise.all(inFlight);
const sendSeconds = (performance.now() - started) / 1000;
await new Promise((resolve) => setTimeout(resolve, 2_000));
subscription.unsubscribe();
await informer.stop();
transport.close();

function latencies(seen: Map<string, Seen[]>): { values: number[]; missed: number } {
  const values: number[] = [];
  let missed = 0;
  for (const update of updates) {
    const first = seen.get(update.name)?.find((observation) => observation.resourceVersion >= update.resourceVersion);
    if (first) values.push(first.at - update.respondedAt);
    else missed += 1;
  }
  return { values: values.sort((a, b) => a - b), missed };
}
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

const weft = latencies(weftSeen);
const baseline = latencies(baselineSeen);
console.log(`${updates.length} updates in ${sendSeconds.toFixed(1)} s (${(updates.length / sendSeconds).toFixed(0)}/s) over ${objects} ConfigMaps; ${failedUpdates} failed (apiserver errors) and were left out`);
for (const [label, figures] of [['weft', weft], ['baseline', baseline]] as const) {
  console.log(`${label.padEnd(8)} p50=${percentile(figures.values, 50).toFixed(1)}ms p99=${percentile(figures.values, 99).toFixed(1)}ms max=${(figures.values.at(-1) ?? NaN).toFixed(1)}ms unseen=${figures.missed}`);
}
const weftP99 = percentile(weft.values, 99);
const baselineP99 = percentile(baseline.values, 99);
console.log(`target p99 < 50 ms: ${weftP99 < 50 ? 'met' : 'missed'}`);
console.log(`core-latency: weft=${weftP99.toFixed(1)}ms baseline=${baselineP99.toFixed(1)}ms (client-node makeInformer update callback) ratio=${(weftP99 / baselineP99).toFixed(2)}`);
