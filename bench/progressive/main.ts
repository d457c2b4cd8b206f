// bench/progressive: 100 Canaries analysing at once on the real control plane with kwok nodes,
// Weft's Canary controller (its own process) and Flagger v1.44.0 side by side in the same run,
// each with its own 100 Deployments, the same Prometheus and the same (good) traffic metrics.
// Figures: CPU time per analysis tick of each controller process (utime+stime from /proc over
// the window from the new revision to the last Succeeded, divided by the ticks in it: 100 ×
// window / interval), and the wall time from the new revision to Succeeded (median, max).
// Last line: progressive: weft=<ms> baseline=<ms> (Flagger v1.44.0, same run) ratio=<weft/flagger>
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CanaryKind, MetricTemplateKind } from '@weft/progressive';
import { DeploymentKind, installCRDs, KubeClient, NamespaceKind, type KubeObject } from '@weft/reconcile-core';
import { findControlPlaneBinaries, startControlPlane } from '@weft/testkit';
import { installFlaggerCrds, installGatewayApiCrds, missingOracle, startFlagger, flaggerVersion } from '../../test/progressive/flagger';
import { hasPrometheus, startPrometheus } from '../../test/progressive/prometheus';
import { FlaggerCanaryKind } from '../../test/progressive/release-recorder';
import { startTrafficMetrics } from '../../test/progressive/traffic-metrics';

const here = dirname(fileURLToPath(import.meta.url));
const canaries = Number(process.env['BENCH_CANARIES'] ?? 100);
const intervalSeconds = 10;

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function deployment(namespace: string, name: string): KubeObject {
  const labels = { app: name };
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', env: [{ name: 'VERSION', value: 'v1' }] }] } } } } as KubeObject;
}

function canary(apiVersion: string, namespace: string, name: string): KubeObject {
  return {
    apiVersion,
    kind: 'Canary',
    metadata: { name, namespace },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      progressDeadlineSeconds: 600,
      service: { port: 80, targetPort: 8080, gatewayRefs: [{ name: 'gateway', namespace }] },
      analysis: { interval: `${intervalSeconds}s`, threshold: 5, stepWeight: 50, maxWeight: 50, metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '30s' }] },
    },
  } as KubeObject;
}

async function phases(client: KubeClient, kind: typeof CanaryKind | typeof FlaggerCanaryKind, namespace: string): Promise<Map<string, string>> {
  const list = await client.list(kind as typeof CanaryKind, { namespace });
  return new Map(list.items.map((item) => [item.metadata.name, String(item.status?.phase ?? '')]));
}

async function main(): Promise<void> {
  const found = findControlPlaneBinaries();
  const missing = 'missing' in found ? `control plane not built (${found.missing.join(', ')})` : (missingOracle() ?? (hasPrometheus() ? undefined : "Debian's prometheus is not installed"));
  if (missing) {
    console.error(`progressive: cannot run: ${missing}`);
    process.exit(1);
  }
  // Three Services per Canary and side: testkit's default /24 Service range holds 254.
  const controlPlane = await startControlPlane({ controllers: true, nodes: 3, apiServerFlags: ['--service-cluster-ip-range=10.0.0.0/16'], controllerManagerFlags: ['--kube-api-qps=200', '--kube-api-burst=400'], schedulerFlags: ['--kube-api-qps=200', '--kube-api-burst=400'] });
  const dir = await mkdtemp(join(tmpdir(), 'weft-bench-progressive-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  await writeFile(kubeconfigPath, controlPlane.kubeconfigYaml);
  const client = new KubeClient(controlPlane.kubeConfig);
  const traffic = await startTrafficMetrics();
  const prometheus = await startPrometheus([traffic.target]);
  const stops: (() => Promise<void>)[] = [async () => controlPlane.stop(), async () => prometheus.stop(), async () => traffic.close(), async () => rm(dir, { recursive: true, force: true })];
  try {
    await Promise.all([installGatewayApiCrds(client), installFlaggerCrds(client, kubeconfigPath), installCRDs(client, [CanaryKind, MetricTemplateKind])]);
    const sides = [
      { name: 'weft', namespace: 'bench-weft', apiVersion: 'progressive.weft.dev/v1', kind: CanaryKind as typeof CanaryKind | typeof FlaggerCanaryKind },
      { name: 'flagger', namespace: 'bench-flagger', apiVersion: 'flagger.app/v1beta1', kind: FlaggerCanaryKind },
    ] as const;
    for (const side of sides) {
      await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: side.namespace } } as KubeObject);
      for (let i = 0; i < canaries; i++) traffic.set(side.namespace, `web-${i}`, 'good');
    }
    const flagger = await startFlagger({ kubeconfigPath, meshProvider: 'gatewayapi:v1', metricsServer: prometheus.url, namespace: 'bench-flagger' });
    stops.unshift(() => flagger.stop());
    const weft = fork(join(here, 'weft-controller.ts'), [kubeconfigPath, 'bench-weft', prometheus.url], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    stops.unshift(async () => {
      if (weft.exitCode === null) {
        weft.kill('SIGTERM');
        await new Promise((resolve) => weft.once('exit', resolve));
      }
    });
    await new Promise((resolve) => weft.once('message', resolve));

    for (const side of sides) {
      for (let i = 0; i < canaries; i += 20) {
        await Promise.all(Array.from({ length: Math.min(20, canaries - i) }, (_, j) => client.create(deployment(side.namespace, `web-${i + j}`))));
        await Promise.all(Array.from({ length: Math.min(20, canaries - i) }, (_, j) => client.create(canary(side.apiVersion, side.namespace, `web-${i + j}`))));
      }
    }
    const initStart = Date.now();
    for (;;) {
      const counts = await Promise.all(sides.map(async (side) => [...(await phases(client, side.kind, side.namespace)).values()].filter((phase) => phase === 'Initialized').length));
      if (counts.every((count) => count === canaries)) break;
      if (Date.now() - initStart > 600_000) {
        const sample = await Promise.all(sides.map(async (side) => [...(await phases(client, side.kind, side.namespace)).entries()].slice(0, 3)));
        console.error(JSON.stringify(sample), flagger.logs().split('\n').slice(-10).join('\n'), controlPlane.logs('kwok', 5));
        throw new Error(`not all Initialized after 10 min: weft ${counts[0]}, flagger ${counts[1]}`);
      }
      if ((Date.now() - initStart) % 30_000 < 2000) console.log(`[progressive] Initialized: weft ${counts[0]}, flagger ${counts[1]}`);
      await sleep(2000);
    }
    console.log(`[progressive] ${canaries} Canaries per side Initialized in ${((Date.now() - initStart) / 1000).toFixed(0)} s`);

    const pids = { weft: weft.pid!, flagger: flagger.process.pid! };
    const cpuBefore = { weft: cpuMs(pids.weft), flagger: cpuMs(pids.flagger) };
    const released = Date.now();
    for (const side of sides) {
      for (let i = 0; i < canaries; i += 20) {
        await Promise.all(Array.from({ length: Math.min(20, canaries - i) }, (_, j) => client.patch(DeploymentKind, `web-${i + j}`, { spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'VERSION', value: 'v2' }] }] } } } }, { namespace: side.namespace, type: 'strategic' })));
      }
    }
    const succeededAt = { weft: new Map<string, number>(), flagger: new Map<string, number>() };
    const failed = { weft: new Set<string>(), flagger: new Set<string>() };
    for (;;) {
      for (const side of sides) {
        for (const [name, phase] of await phases(client, side.kind, side.namespace)) {
          if (phase === 'Succeeded' && !succeededAt[side.name].has(name)) succeededAt[side.name].set(name, Date.now() - released);
          if (phase === 'Failed') failed[side.name].add(name);
        }
      }
      const done = sides.every((side) => succeededAt[side.name].size + failed[side.name].size === canaries);
      if (done) break;
      if (Date.now() - released > 900_000) throw new Error(`not all Succeeded after 15 min: weft ${succeededAt.weft.size}, flagger ${succeededAt.flagger.size}`);
      await sleep(1000);
    }
    const windowMs = Date.now() - released;
    const cpu = { weft: cpuMs(pids.weft) - cpuBefore.weft, flagger: cpuMs(pids.flagger) - cpuBefore.flagger };
    const ticks = canaries * (windowMs / 1000 / intervalSeconds);
    const perTick = { weft: cpu.weft / ticks, flagger: cpu.flagger / ticks };
    const wall = (side: 'weft' | 'flagger') => {
      const times = [...succeededAt[side].values()].sort((a, b) => a - b);
      return { median: times[Math.floor(times.length / 2)] ?? Number.NaN, max: times.at(-1) ?? Number.NaN };
    };
    for (const side of ['weft', 'flagger'] as const) {
      const w = wall(side);
      console.log(`[progressive] ${side}: ${succeededAt[side].size} Succeeded, ${failed[side].size} Failed; CPU ${(cpu[side] / 1000).toFixed(2)} s over ${(windowMs / 1000).toFixed(0)} s (${ticks.toFixed(0)} ticks) = ${perTick[side].toFixed(2)} ms/tick; new revision → Succeeded median ${(w.median / 1000).toFixed(1)} s, max ${(w.max / 1000).toFixed(1)} s`);
    }
    console.log(`progressive: weft=${perTick.weft.toFixed(2)}ms baseline=${perTick.flagger.toFixed(2)}ms (Flagger ${flaggerVersion}, same run) ratio=${(perTick.weft / perTick.flagger).toFixed(2)}`);
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    client.close();
  }
}

await main();
