// core-coldstart: 10,000 ConfigMaps in a private real apiserver; time from start until every one is
// reconciled once, and peak RSS. Weft's controller against client-node's makeInformer feeding a plain
// queue, each in a fresh process, best of two rounds. Also: cache bytes per object with and without
// managedFields.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubeTransport } from '@weft/reconcile-core';
import { startControlPlane } from '@weft/testkit';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const count = Number(process.env['BENCH_COUNT'] ?? '10000');
const namespace = 'coldstart';

interface Figures {
  mode: string;
  elapsedMs: number;
  firstMs: number;
  maxRssMb: number;
  cacheBytesPerObject: number;
}

await using controlPlane = await startControlPlane();
const transport = kubeTransport(controlPlane.kubeConfig);
await transport.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } });
const seedStarted = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: 32 }, async () => {
    while (next < count) {
      const i = next++;
      const data = Object.fromEntries(Array.from({ length: 8 }, (_, k) => [`key-${k}`, `value-${i}-${k}-${'x'.repeat(16)}`]));
      await transport.request('POST', `/api/v1/namespaces/${namespace}/configmaps`, {
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, labels: { app: 'bench', shard: String(i % 10) } }, data },
        query: { fieldManager: 'bench-seeder' },
      });
    }
  }),
);
transport.close();
console.log(`seeded ${count} ConfigMaps in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

function consume(mode: string): Figures {
  const result = spawnSync('pnpm', ['exec', 'tsx', join(here, 'consumer.ts'), mode], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, BENCH_KUBECONFIG: controlPlane.kubeconfigPath, BENCH_NAMESPACE: namespace, BENCH_COUNT: String(count) },
    timeout: 300_000,
  });
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  if (result.status !== 0 || !line.startsWith('{')) throw new Error(`consumer ${mode} failed (${result.status}): ${result.stderr.slice(-2000)}`);
  return JSON.parse(line) as Figures;
}

const best = (runs: Figures[]) => runs.reduce((a, b) => (b.elapsedMs < a.elapsedMs ? b : a));
const rounds: Record<string, Figures[]> = { baseline: [], weft: [] };
for (let round = 0; round < 2; round++) {
  for (const mode of ['baseline', 'weft'] as const) {
    const figures = consume(mode);
    rounds[mode]!.push(figures);
    console.log(`${mode.padEnd(9)} round ${round + 1}: ${figures.elapsedMs.toFixed(0)} ms (first reconcile at ${figures.firstMs.toFixed(0)} ms), peak RSS ${figures.maxRssMb.toFixed(0)} MB, ${figures.cacheBytesPerObject.toFixed(0)} heap bytes/object`);
  }
}
const full = consume('weft-full');
const weft = best(rounds['weft']!);
const baseline = best(rounds['baseline']!);
console.log(`cache bytes per object: ${weft.cacheBytesPerObject.toFixed(0)} with managedFields stripped, ${full.cacheBytesPerObject.toFixed(0)} with them kept (client-node informer: ${baseline.cacheBytesPerObject.toFixed(0)})`);
console.log(`peak RSS: weft ${weft.maxRssMb.toFixed(0)} MB, baseline ${baseline.maxRssMb.toFixed(0)} MB (managedFields kept: ${full.maxRssMb.toFixed(0)} MB)`);
console.log(`core-coldstart: weft=${weft.elapsedMs.toFixed(0)}ms baseline=${baseline.elapsedMs.toFixed(0)}ms (client-node makeInformer + plain queue) ratio=${(weft.elapsedMs / baseline.elapsedMs).toFixed(2)}`);
