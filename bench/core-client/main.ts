// core-client: the typed KubeClient against client-node's generated CoreV1Api on the same private
// real apiserver, in one process, alternating, best of three rounds:
//   - sequential GETs (latency of one call: client-node builds a new https.Agent, so a new TLS
//     connection, per call; KubeClient keeps one keep-alive pool),
//   - a paged list of every ConfigMap (limit 500),
//   - 32-way concurrent GETs.
// The last line reports the sequential GETs (total time of BENCH_GETS calls).
import * as clientNode from '@kubernetes/client-node';
import { ConfigMapKind, KubeClient } from '@weft/reconcile-core';
import { startControlPlane } from '@weft/testkit';

const objects = Number(process.env['BENCH_COUNT'] ?? '2000');
const gets = Number(process.env['BENCH_GETS'] ?? '500');
const namespace = 'bench-client';

interface CoreV1Api {
  readNamespacedConfigMap(request: { name: string; namespace: string }): Promise<unknown>;
  listNamespacedConfigMap(request: { namespace: string; limit?: number; _continue?: string }): Promise<{ items: unknown[]; metadata?: { _continue?: string } }>;
}

await using controlPlane = await startControlPlane();
const weft = new KubeClient(controlPlane.kubeConfig);
const baseline = (controlPlane.kubeConfig as unknown as { makeApiClient(api: unknown): CoreV1Api }).makeApiClient(clientNode.CoreV1Api);

await weft.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
const seedStarted = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: 32 }, async () => {
    while (next < objects) {
      const i = next++;
      await weft.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace }, data: { a: 'x'.repeat(64), i: String(i) } }, { kind: ConfigMapKind });
    }
  }),
);
console.log(`seeded ${objects} ConfigMaps in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

async function timed(run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

const scenarios = {
  sequentialGets: {
    weft: () => timed(async () => {
      for (let i = 0; i < gets; i++) await weft.get(ConfigMapKind, `cm-${i % objects}`, { namespace });
    }),
    baseline: () => timed(async () => {
      for (let i = 0; i < gets; i++) await baseline.readNamespacedConfigMap({ name: `cm-${i % objects}`, namespace });
    }),
  },
  pagedList: {
    weft: () => timed(async () => {
      const { items } = await weft.listAll(ConfigMapKind, { namespace, limit: 500 });
      if (items.length !== objects) throw new Error(`weft listed ${items.length}`);
    }),
    baseline: () => timed(async () => {
      let count = 0;
      let token: string | undefined;
      do {
        const page = await baseline.listNamespacedConfigMap({ namespace, limit: 500, ...(token ? { _continue: token } : {}) });
        count += page.items.length;
        token = page.metadata?._continue;
      } while (token);
      if (count !== objects) throw new Error(`client-node listed ${count}`);
    }),
  },
  concurrentGets: {
    weft: () => timed(async () => {
      let i = 0;
      await Promise.all(Array.from({ length: 32 }, async () => { while (i < gets) await weft.get(ConfigMapKind, `cm-${i++ % objects}`, { namespace }); }));
    }),
    baseline: () => timed(async () => {
      let i = 0;
      await Promise.all(Array.from({ length: 32 }, async () => { while (i < gets) await baseline.readNamespacedConfigMap({ name: `cm-${i++ % objects}`, namespace }); }));
    }),
  },
};

const best: Record<string, { weft: number; baseline: number }> = {};
for (let round = 0; round < 3; round++) {
  for (const [name, scenario] of Object.entries(scenarios)) {
    const order = round % 2 === 0 ? (['baseline', 'weft'] as const) : (['weft', 'baseline'] as const);
    const figures = (best[name] ??= { weft: Infinity, baseline: Infinity });
    for (const side of order) figures[side] = Math.min(figures[side], await scenario[side]());
  }
}
weft.close();
for (const [name, figures] of Object.entries(best)) {
  console.log(`${name}: weft ${figures.weft.toFixed(0)} ms, client-node ${figures.baseline.toFixed(0)} ms (ratio ${(figures.weft / figures.baseline).toFixed(2)})`);
}
const headline = best['sequentialGets']!;
console.log(`core-client: weft=${headline.weft.toFixed(0)}ms baseline=${headline.baseline.toFixed(0)}ms (client-node CoreV1Api, ${gets} sequential GETs) ratio=${(headline.weft / headline.baseline).toFixed(2)}`);
