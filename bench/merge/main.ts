// Benchmark of @weft/merge: 10,000 strategic merge patches and 10,000 server-side applies of a
// typical Deployment, each fed the previous result (as the apiserver would be), against the same Go
// code kube-apiserver runs for them, in process (tools/merge-peer: apimachinery's strategicpatch and
// its FieldManager on sigs.k8s.io/structured-merge-diff). Both sides get the same operations: this
// file writes them out and the Go program reads them.
//
//   pnpm bench merge        (MERGE_BENCH_OPS=<n> changes the 10,000; BENCH_PROFILE=<dir> writes a V8 CPU
//                            profile of Weft's two timed loops there, for bench/gitops-scale/profile-summary.ts)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { applyStrategicMergePatch, MergeSchemaRegistry, serverSideApply, type JsonObject } from '@weft/merge';
import { goPeer } from '../go-peer.ts';

const operations = Number(process.env['MERGE_BENCH_OPS'] ?? 10_000);
const namespace = 'bench-merge';
const warmup = 500;
const name = 'web';

function deploymentConfig(step: number): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name, tier: 'frontend' }, annotations: { 'weft.dev/revision': String(step % 2) } },
    spec: {
      replicas: 2 + (step % 2),
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: name, tier: 'frontend' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: `registry.example.com/web:${step % 2 === 0 ? '1.0.0' : '1.0.1'}`,
              ports: [{ containerPort: 8080, name: 'http' }, { containerPort: 9090, name: 'metrics' }],
              env: [{ name: 'MODE', value: 'production' }, { name: 'LOG_LEVEL', value: 'info' }],
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
              readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
            },
            { name: 'sidecar', image: 'registry.example.com/proxy:2.3', args: ['--port=15001'], ports: [{ containerPort: 15001 }] },
          ],
        },
      },
    },
  };
}

function strategicPatch(step: number): JsonObject {
  return {
    metadata: { labels: { 'weft.dev/step': String(step % 2) } },
    spec: {
      template: {
        spec: {
          containers: [{ name: 'app', image: `registry.example.com/web:${step % 2 === 0 ? '2.0.0' : '2.0.1'}`, env: [{ name: 'FEATURE', value: String(step % 2) }] }],
        },
      },
    },
  };
}

function patchBody(step: number): JsonObject {
  return strategicPatch(step);
}

/** The Go peer's figures for the same operations: microseconds per patch and per apply. */
function goInProcess(): { patchMicros: number; applyMicros: number } {
  const binary = join(goPeer('merge-peer'), 'merge-peer');
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-merge-'));
  try {
    // Every operation's input depends only on step % 2: the Go side cycles through these two.
    const input = { operations, warmup, configs: [0, 1].map(deploymentConfig), patches: [0, 1].map(patchBody) };
    writeFileSync(join(dir, 'operations.json'), JSON.stringify(input));
    return JSON.parse(execFileSync(binary, [join(dir, 'operations.json')], { encoding: 'utf8' })) as { patchMicros: number; applyMicros: number };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `work` under the V8 CPU profiler when BENCH_PROFILE names a directory, writing `<dir>/<label>.cpuprofile`. */
async function profiled<T>(label: string, work: () => T): Promise<T> {
  const dir = process.env['BENCH_PROFILE'];
  if (!dir) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const result = work();
  const { profile } = await session.post('Profiler.stop');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${label}.cpuprofile`), JSON.stringify(profile));
  session.disconnect();
  return result;
}

function microsPerOp(start: number, count: number): number {
  return ((performance.now() - start) * 1000) / count;
}

/** Weft's figures: the engine alone, each operation on the previous result. */
async function weftInProcess(registry: MergeSchemaRegistry, round: number): Promise<{ patchMicros: number; applyMicros: number }> {
  let live = serverSideApply(undefined, deploymentConfig(0), { manager: 'bench', registry, now: '2026-01-01T00:00:00Z' }).object;
  for (let step = 0; step < warmup; step++) live = applyStrategicMergePatch(live, patchBody(step), { registry });
  const patchMicros = await profiled(`weft-strategic-merge-patch-${round}`, () => {
    const start = performance.now();
    for (let step = 0; step < operations; step++) live = applyStrategicMergePatch(live, patchBody(step), { registry });
    return microsPerOp(start, operations);
  });
  for (let step = 0; step < warmup; step++) live = serverSideApply(live, deploymentConfig(step), { manager: 'bench', registry, force: true }).object;
  const applyMicros = await profiled(`weft-server-side-apply-${round}`, () => {
    const start = performance.now();
    for (let step = 0; step < operations; step++) live = serverSideApply(live, deploymentConfig(step), { manager: 'bench', registry, force: true }).object;
    return microsPerOp(start, operations);
  });
  return { patchMicros, applyMicros };
}

async function main(): Promise<void> {
  const registry = MergeSchemaRegistry.builtin();
  // Weft and Go alternate, two rounds each, best of each kept: on a shared machine the load moves
  // between runs, and alternating gives both sides the same chances.
  const weft = { patchMicros: Infinity, applyMicros: Infinity };
  const go = { patchMicros: Infinity, applyMicros: Infinity };
  const loadBefore = loadavg()[0]!.toFixed(2);
  for (let round = 1; round <= 2; round++) {
    const ours = await weftInProcess(registry, round);
    const theirs = goInProcess();
    console.log(`round ${round}: strategic merge patch weft ${ours.patchMicros.toFixed(1)} us, Go ${theirs.patchMicros.toFixed(1)} us; server-side apply weft ${ours.applyMicros.toFixed(1)} us, Go ${theirs.applyMicros.toFixed(1)} us (load average ${loadavg()[0]!.toFixed(2)})`);
    for (const [best, run] of [[weft, ours], [go, theirs]] as const) {
      best.patchMicros = Math.min(best.patchMicros, run.patchMicros);
      best.applyMicros = Math.min(best.applyMicros, run.applyMicros);
    }
  }
  const baseline = 'apimachinery strategicpatch + structured-merge-diff, Go in process';
  const line = (label: string, ours: number, theirs: number): string => `${label}: weft=${ours.toFixed(1)}us baseline=${theirs.toFixed(1)}us (${baseline}) ratio=${(ours / theirs).toFixed(2)}`;
  console.log(`${operations} operations each on a ${JSON.stringify(deploymentConfig(0)).length}-byte Deployment, each on the previous result (${warmup} warm-up operations first on both sides); best of two rounds; load average before ${loadBefore}`);
  console.log(line('merge strategic-merge-patch', weft.patchMicros, go.patchMicros));
  console.log(line('merge server-side-apply', weft.applyMicros, go.applyMicros));
  console.log(line('merge', (weft.patchMicros + weft.applyMicros) / 2, (go.patchMicros + go.applyMicros) / 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
