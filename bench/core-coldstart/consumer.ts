// One cold start in a process of its own (so peak RSS is its own): `weft`, `weft-full` (managedFields kept) or `baseline`.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ConfigMapKind, controller, createLogger, done, type KubeObject } from '@weft/reconcile-core';
import * as clientNode from '@kubernetes/client-node';
import { configMapInformer } from './client-node.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapUsed = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const [mode = 'weft'] = process.argv.slice(2);
const kubeconfigPath = process.env['BENCH_KUBECONFIG']!;
const namespace = process.env['BENCH_NAMESPACE']!;
const count = Number(process.env['BENCH_COUNT']);
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? '16');

/** The same stand-in for reconcile work on both sides: one microtask. */
const reconcileOne = async (_key: string) => undefined;


async function runWeft(keepManagedFields: boolean): Promise<{ elapsedMs: number; release: () => Promise<void> }> {
  const kubeConfig = new clientNode.KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const reconciled = new Set<string>();
  const started = performance.now();
  const web = controller(ConfigMapKind, {
    kubeConfig,
    namespace,
    concurrency,
    logger: createLogger({ level: 'silent' }),
    ...(keepManagedFields ? { transform: (object: KubeObject) => object } : {}),
  }).reconcile(async (cm) => {
    await reconcileOne(cm.metadata.name);
    reconciled.add(cm.metadata.name);
    return done;
  });
  let elapsedMs = 0;
  let subscription: { unsubscribe(): void } | undefined;
  await new Promise<void>((resolve) => {
    subscription = web.subscribe(() => {
      firstMs ||= performance.now() - started;
      if (reconciled.size === count && elapsedMs === 0) {
        elapsedMs = performance.now() - started;
        resolve();
      }
    });
  });
  return {
    elapsedMs,
    release: async () => {
      subscription?.unsubscribe();
      web.store = undefined;
    },
  };
}

async function runBaseline(): Promise<{ elapsedMs: number; release: () => Promise<void> }> {
  const reconciled = new Set<string>();
  const queue: string[] = [];
  const queued = new Set<string>();
  let active = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const pump = () => {
    while (active < concurrency && queue.length > 0) {
      const key = queue.shift()!;
      queued.delete(key);
      active += 1;
      void reconcileOne(key).then(() => {
        firstMs ||= performance.now() - started;
        active -= 1;
        reconciled.add(key);
        if (reconciled.size === count) finish();
        pump();
      });
    }
  };
  const started = performance.now();
  const informer = await configMapInformer<KubeObject>(kubeconfigPath, namespace);
  const enqueue = (cm: KubeObject) => {
    const key = `${cm.metadata.namespace}/${cm.metadata.name}`;
    if (queued.has(key)) return;
    queued.add(key);
    queue.push(key);
    pump();
  };
  informer.on('add', enqueue);
  informer.on('update', enqueue);
  await informer.start();
  await finished;
  let held: typeof informer | undefined = informer;
  return {
    elapsedMs: performance.now() - started,
    release: async () => {
      await held?.stop();
      held = undefined;
    },
  };
}

let firstMs = 0;
const { elapsedMs, release } = mode === 'baseline' ? await runBaseline() : await runWeft(mode === 'weft-full');
// The cache's size: the heap with everything in place minus the heap once the cache is let go.
const withCache = heapUsed();
await release();
await new Promise((resolve) => setTimeout(resolve, 100));
const cacheBytesPerObject = (withCache - heapUsed()) / count;
const result = { mode, elapsedMs, firstMs, maxRssMb: process.resourceUsage().maxRSS / 1024, cacheBytesPerObject };
console.log(JSON.stringify(result));
process.exit(0);
