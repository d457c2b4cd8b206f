// Benchmark of @weft/merge: 10,000 strategic merge patches and 10,000 server-side applies of a
// typical Deployment, each fed the previous result (as the apiserver would be), against the same Go
// code kube-apiserver runs for them, in process (tools/merge-peer: apimachinery's strategicpatch and
// its FieldManager on sigs.k8s.io/structured-merge-diff). Both sides get the same operations: this
// file writes them out and the Go program reads them.
//
//   pnpm bench merge        (MERGE_BENCH_OPS=<n> changes the 10,000)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

function microsPerOp(start: number, count: number): number {
  return ((performance.now() - start) * 1000) / count;
}

async function main(): Promise<void> {
  const registry = MergeSchemaRegistry.builtin();

  // Weft: the engine alone, each operation on the previous result.
  let live = serverSideApply(undefined, deploymentConfig(0), { manager: 'bench', registry, now: '2026-01-01T00:00:00Z' }).object;
  for (let step = 0; step < warmup; step++) live = applyStrategicMergePatch(live, patchBody(step), { registry });
  let start = performance.now();
  for (let step = 0; step < operations; step++) live = applyStrategicMergePatch(live, patchBody(step), { registry });
  const weftPatch = microsPerOp(start, operations);

  for (let step = 0; step < warmup; step++) live = serverSideApply(live, deploymentConfig(step), { manager: 'bench', registry, force: true }).object;
  start = performance.now();
  for (let step = 0; step < operations; step++) live = serverSideApply(live, deploymentConfig(step), { manager: 'bench', registry, force: true }).object;
  const weftApply = microsPerOp(start, operations);

  const go = goInProcess();
  const baseline = 'apimachinery strategicpatch + structured-merge-diff, Go in process';
  const line = (label: string, weft: number, base: number): string => `${label}: weft=${weft.toFixed(1)}us baseline=${base.toFixed(1)}us (${baseline}) ratio=${(weft / base).toFixed(2)}`;
  console.log(`${operations} operations each on a ${JSON.stringify(deploymentConfig(0)).length}-byte Deployment, each on the previous result (${warmup} warm-up operations first on both sides)`);
  console.log(line('merge strategic-merge-patch', weftPatch, go.patchMicros));
  console.log(line('merge server-side-apply', weftApply, go.applyMicros));
  console.log(line('merge', (weftPatch + weftApply) / 2, (go.patchMicros + go.applyMicros) / 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
