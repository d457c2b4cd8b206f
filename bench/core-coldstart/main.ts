// core-coldstart: 10,000 ConfigMaps in a private real apiserver; time from start until every one is
// reconciled once, and peak RSS. Weft's controller, client-node's makeInformer feeding a plain queue,
// and controller-runtime (tools/controller-runtime-peer: a no-op ConfigMap reconciler on a manager
// with the defaults), each in a fresh process, best of two rounds; the last line's baseline is
// controller-runtime. Also: cache bytes per object with and without managedFields.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubeTransport } from '@weft/reconcile-core';
import { startControlPlane } from '@weft/testkit';
import { bundleForNode } from '../bundle.ts';
import { goPeer } from '../go-peer.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const count = Number(process.env['BENCH_COUNT'] ?? '10000');
const namespace = 'coldstart';
const concurrency = 16;
const controllerRuntimePeer = join(goPeer('controller-runtime-peer'), 'controller-runtime-peer');
// The Node consumers run bundled under plain node, so their peak RSS is theirs and not tsx's.
const bundleDir = mkdtempSync(join(tmpdir(), 'weft-bench-coldstart-'));
const consumerBundle = bundleForNode(join(here, 'consumer.ts'), bundleDir, 'consumer');
process.on('exit', () => rmSync(bundleDir, { recursive: true, force: true }));

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

/** BENCH_PROFILE=<dir>: each Node consumer writes a V8 CPU profile there (summarise with bench/gitops-scale/profile-summary.ts). */
const profileArgs = (mode: string) => (process.env['BENCH_PROFILE'] ? ['--cpu-prof', `--cpu-prof-dir=${join(process.env['BENCH_PROFILE'], mode)}`] : []);

function consume(mode: string): Figures {
  const env = { ...process.env, BENCH_KUBECONFIG: controlPlane.kubeconfigPath, BENCH_NAMESPACE: namespace, BENCH_COUNT: String(count), BENCH_CONCURRENCY: String(concurrency) };
  const [command, args] =
    mode === 'controller-runtime'
      ? [controllerRuntimePeer, ['coldstart', '-kubeconfig', controlPlane.kubeconfigPath, '-namespace', namespace, '-count', String(count), '-concurrency', String(concurrency)]]
      : [process.execPath, [...profileArgs(mode), consumerBundle, mode]];
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', env, timeout: 300_000 });
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  if (result.status !== 0 || !line.startsWith('{')) throw new Error(`consumer ${mode} failed (${result.status}): ${result.stderr.slice(-2000)}`);
  return JSON.parse(line) as Figures;
}

const modes = ['controller-runtime', 'baseline', 'weft'] as const;
const names: Record<(typeof modes)[number], string> = { 'controller-runtime': 'controller-runtime', baseline: 'client-node', weft: 'weft' };
const best = (runs: Figures[]) => runs.reduce((a, b) => (b.elapsedMs < a.elapsedMs ? b : a));
const rounds: Record<string, Figures[]> = Object.fromEntries(modes.map((mode) => [mode, []]));
const loadBefore = loadavg()[0]!.toFixed(2);
for (let round = 0; round < 2; round++) {
  for (const mode of modes) {
    const figures = consume(mode);
    rounds[mode]!.push(figures);
    console.log(`${names[mode].padEnd(18)} round ${round + 1}: ${figures.elapsedMs.toFixed(0)} ms (first reconcile at ${figures.firstMs.toFixed(0)} ms), peak RSS ${figures.maxRssMb.toFixed(0)} MB, ${figures.cacheBytesPerObject.toFixed(0)} heap bytes/object`);
  }
}
const full = consume('weft-full');
const weft = best(rounds['weft']!);
const clientNode = best(rounds['baseline']!);
const controllerRuntime = best(rounds['controller-runtime']!);
console.log(`load average (1 min) before the rounds: ${loadBefore}, after: ${loadavg()[0]!.toFixed(2)}`);
console.log(
  `cache bytes per object: weft ${weft.cacheBytesPerObject.toFixed(0)} with managedFields stripped, ${full.cacheBytesPerObject.toFixed(0)} with them kept; ` +
    `client-node informer ${clientNode.cacheBytesPerObject.toFixed(0)}; controller-runtime ${controllerRuntime.cacheBytesPerObject.toFixed(0)} (Go heap, managedFields kept: its cache's default)`,
);
console.log(`best of two: weft ${weft.elapsedMs.toFixed(0)} ms, client-node ${clientNode.elapsedMs.toFixed(0)} ms, controller-runtime ${controllerRuntime.elapsedMs.toFixed(0)} ms`);
console.log(`peak RSS: weft ${weft.maxRssMb.toFixed(0)} MB (managedFields kept: ${full.maxRssMb.toFixed(0)} MB), client-node ${clientNode.maxRssMb.toFixed(0)} MB, controller-runtime ${controllerRuntime.maxRssMb.toFixed(0)} MB`);
console.log(`core-coldstart: weft=${weft.elapsedMs.toFixed(0)}ms baseline=${controllerRuntime.elapsedMs.toFixed(0)}ms (controller-runtime v0.25.3) ratio=${(weft.elapsedMs / controllerRuntime.elapsedMs).toFixed(2)}`);
