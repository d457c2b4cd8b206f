// bench/gitops-scale: one git repository (served over smart HTTP by `git http-backend`) holding
// 200 apps of four objects each (Deployment, Service, ServiceAccount, ConfigMap), one
// GitRepository and 200 Kustomizations with `wait: true`, against a real control plane with
// kube-controller-manager, kube-scheduler and kwok nodes, so every Deployment really rolls out to
// a Ready Pod. The gitops operator (@weft/delivery's createGitOpsManager, as examples/gitops-operator runs it) runs in a child process of its own;
// measured: time from its manager's start until every Kustomization is Ready, and its peak RSS.
// Baseline: Flux's published benchmark (fluxcd/flux-benchmark), 100 Kustomizations in 26 s on a
// 16-core GitHub runner with kind, kustomize-controller at 2 CPUs and concurrency 20 (its apps'
// Deployments are scaled to zero; here each has one replica that must become Ready).
//
// BENCH_SHARDS=N (N > 1): the scale-out comparison. The same fleet, labelled round robin with
// Flux's sharding.fluxcd.io/key (shard-0 … shard-N-1, one GitRepository per shard carrying the label
// too), first served by one operator process, then by N operator processes started with the
// operator's shard flags, each run on a fresh control plane; the last line then compares the N
// shards (weft) with the one process (baseline). The shards share the one process's Kustomization
// concurrency (BENCH_CONCURRENCY / N each; BENCH_SHARD_CONCURRENCY sets it per shard process).
//
// Environment: BENCH_APPS (default 200), BENCH_NODES (kwok nodes, default one per 200 apps, 3 at least), BENCH_TIMEOUT_S
// (default 180), BENCH_CPU_PROF=<dir> (write a V8 CPU profile of the operator there),
// BENCH_LOG_LEVEL (operator log level, default warn), BENCH_CONCURRENCY (Kustomizations reconciled at once,
// default 50), BENCH_LOADER=tsx (run the operator's sources through tsx instead of an esbuild
// bundle), BENCH_FLOOR=1 (first apply the same objects in one applySet, for the cluster's floor),
// BENCH_DRIFT_WATCH=0 / BENCH_EVENTS=0 (the operator without drift watches / Events).
// Last line: `gitops-scale: weft=<s>s baseline=26s (Flux kustomize-controller published: …) ratio=<weft/26>`.
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { installGitOpsCrds } from '@weft/delivery';
import { ConfigMapKind, DeploymentKind, KubeClient, ServiceAccountKind, ServiceKind, resourceKind, type KubeObject } from '@weft/reconcile-core';
import { startControlPlane } from '@weft/testkit';
import { startGitServer } from '../../test/support/git-server';
import { appName, appsNamespace, fleetFiles, gitRepository, kustomization, shardKey, shardSourceName, systemNamespace } from './fleet';
import { type OperatorFigures, startOperator } from './operator-process';
import { readinessTracker } from './readiness';
import { describePhases } from './phases';
import { measureClusterFloor } from './floor';

const NodeKind = resourceKind<KubeObject>({ apiVersion: 'v1', kind: 'Node', plural: 'nodes', namespaced: false });
const apps = Number(process.env['BENCH_APPS'] ?? '200');
// kwok nodes take 250 Pods each (testkit's node capacity): enough nodes for every app's Pod, three at least.
const nodes = Number(process.env['BENCH_NODES'] ?? String(Math.max(3, Math.ceil(apps / 200))));
const timeoutMs = Number(process.env['BENCH_TIMEOUT_S'] ?? '180') * 1000;
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? '50');
const loader = process.env['BENCH_LOADER'] === 'tsx' ? 'tsx' : 'bundle';
const shardCount = Number(process.env['BENCH_SHARDS'] ?? '1');
const anchorSeconds = 26;
const anchor = 'Flux kustomize-controller published: 100 Kustomizations, 16-core runner';
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');

interface RunResult {
  /** Seconds from the first manager start until every Kustomization was Ready; undefined: timed out. */
  elapsedS: number | undefined;
  peakRssKb: number[];
}

/** One run on a fresh control plane: the fleet served by `shards` operator processes (1: one unsharded operator). */
async function runFleet(shards: number): Promise<RunResult> {
  const setupStarted = performance.now();
  // The default /24 service range holds fewer than 256 Services; the fleet needs one per app. The
  // controller manager's and scheduler's clients get 200 requests per second instead of 20 and 50:
  // at the defaults, creating the Pods of 200 Deployments alone takes the controller manager
  // about a minute, whoever applied the Deployments. The node monitor waits 10 minutes instead of
  // 50 s for a heartbeat: on a loaded machine kwok's heartbeats come late, the controller manager
  // then marks the nodes unreachable and every Pod not Ready (seen at 1,000 apps: all Deployments
  // unavailable minutes into the run, whatever applied them).
  const clientRate = ['--kube-api-qps=200', '--kube-api-burst=400'];
  const nodeMonitor = ['--node-monitor-grace-period=10m'];
  await using controlPlane = await startControlPlane({
    controllers: true,
    nodes,
    apiServerFlags: ['--service-cluster-ip-range=10.0.0.0/16'],
    controllerManagerFlags: [...clientRate, ...nodeMonitor],
    schedulerFlags: clientRate,
  });
  const gitServer = await startGitServer();
  const storageDir = await mkdtemp(join(tmpdir(), 'weft-bench-gitops-'));
  const client = new KubeClient(controlPlane.kubeConfig, { fieldManager: 'bench-setup' });
  try {
    const generated = performance.now();
    const repo = await gitServer.createRepo('fleet', fleetFiles(apps));
    console.log(`repository: ${apps} apps, ${apps * 5} files, committed and pushed in ${seconds(performance.now() - generated)} (${repo.url})`);

    for (const name of [systemNamespace, appsNamespace]) await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as KubeObject);
    await installGitOpsCrds(controlPlane.kubeConfig, {});
    const shardKeys = shards > 1 ? Array.from({ length: shards }, (_, index) => shardKey(index, shards)) : [undefined];
    for (const shard of shardKeys) await client.create(gitRepository(repo.url, shard));
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < apps) await client.create(kustomization(next++, shards));
      }),
    );
    console.log(`set-up: control plane (${nodes} kwok nodes), git server, CRDs, ${shardKeys.length} GitRepository and ${apps} Kustomizations in ${seconds(performance.now() - setupStarted)}`);
    if (process.env['BENCH_FLOOR'] === '1') {
      const floor = await measureClusterFloor(controlPlane.kubeConfig, apps, 'floor');
      console.log(`cluster floor: the same ${floor.objects} objects in one applySet from this process, applied in ${seconds(floor.applyMs)}, all healthy (drift wait) at ${seconds(floor.readyMs)}`);
    }
    console.log(`machine: ${cpus().length} cores, load average ${load()} before the run`);

    // The same Kustomization concurrency in all: split over the shard processes (BENCH_SHARD_CONCURRENCY=each sets it per process).
    const perProcess = shards > 1 ? Number(process.env['BENCH_SHARD_CONCURRENCY'] ?? Math.ceil(concurrency / shards)) : concurrency;
    const sourceName = shardSourceName(shardKeys[0]);
    const readiness = await readinessTracker(client, { names: Array.from({ length: apps }, (_, index) => appName(index)), namespace: systemNamespace, sourceName });
    const operators = shardKeys.map((shard) =>
      startOperator({ kubeconfigPath: controlPlane.kubeconfigPath, storageDir: join(storageDir, shard ?? 'main'), namespace: systemNamespace, concurrency: perProcess, cpuProfileDir: process.env['BENCH_CPU_PROF'], loader, workDir: storageDir, shard }),
    );
    const startedAt = Math.min(...(await Promise.all(operators.map((operator) => operator.started))));
    const allReady = await readiness.untilAllReady(startedAt, timeoutMs);
    const each = await Promise.all(operators.map((operator) => operator.stop()));
    readiness.stop();
    const figures = combined(each);
    if (each.length > 1) {
      for (const [index, one] of each.entries()) {
        const shard = shardKeys[index]!;
        const own = new Set(Array.from({ length: apps }, (_, app) => app).filter((app) => shardKey(app, shards) === shard).map(appName));
        const foreign = one.outcomes.filter((entry) => {
          const key = (entry.outcome as { controller?: string; key?: string }).key ?? '';
          return (entry.outcome as { controller?: string }).controller === 'Kustomization' && !own.has(key.split('/').at(-1) ?? '');
        }).length;
        console.log(`operator ${shard}: ${one.outcomes.length} reconciles (${foreign} of another shard's Kustomizations), CPU ${seconds(one.userMs)} user + ${seconds(one.systemMs)} system, peak RSS ${(one.peakRssKb / 1024).toFixed(0)} MB`);
      }
    }
    console.log(`machine: load average ${load()} after the run`);

    const phases = readiness.phases();
    for (const line of describePhases(figures.outcomes.map((entry) => entry.outcome), phases, startedAt, systemNamespace)) console.log(line);
    const deployments = await client.listAll(DeploymentKind, { namespace: appsNamespace });
    const available = deployments.items.filter((deployment) => (deployment.status?.availableReplicas ?? 0) >= 1).length;
    const inventory = readiness.inventoryEntries();
    console.log(`applied: ${inventory} objects in the Kustomizations' inventories (${apps * 4} expected); ${available} of ${apps} Deployments available`);
    console.log(`operator${each.length > 1 ? `s (${each.length}, summed)` : ''}: Kustomization concurrency ${perProcess}${each.length > 1 ? ' each' : ''}; spawn to manager start ${seconds(startedAt - figures.spawnedAt)}; CPU ${seconds(figures.userMs)} user + ${seconds(figures.systemMs)} system`);
    console.log(`operator peak RSS${each.length > 1 ? ' (summed over the processes)' : ''}: ${mb(figures.peakRssKb)} (getrusage maxRSS ${mb(figures.maxRssKb)}; sampled every 100 ms, max ${mb(figures.sampledPeakKb)}); ${mb(figures.startRssKb)} of it at manager start (Node and the ${loader === 'tsx' ? 'tsx loader with the TypeScript sources' : 'bundled operator'})`);
    if (figures.cpuProfile) console.log(`CPU profile: ${figures.cpuProfile}`);
    const source = readiness.sourceReadyAt();
    const sorted = [...phases.values()].flatMap((times) => (times.ready === undefined ? [] : [times.ready])).sort((a, b) => a - b);
    if (source !== undefined) console.log(`GitRepository ${sourceName} Ready at ${seconds(source - startedAt)}`);
    if (sorted.length > 0) {
      const at = (fraction: number) => seconds(sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]! - startedAt);
      console.log(`Kustomizations Ready: first at ${at(0)}, half at ${at(0.5)}, 90% at ${at(0.9)}, all ${sorted.length} of ${apps} at ${at(1)}`);
    }
    if (figures.error) console.log(`operator error: ${figures.error}`);
    if (!allReady) {
      console.log(`not all Ready within ${seconds(timeoutMs)}: ${readiness.describePending()}`);
      // Where a stuck reconcile stopped: were its objects applied (and by whom)?
      for (const name of readiness.pending().slice(0, 5)) {
        const objects = await Promise.all(
          [ServiceAccountKind, ConfigMapKind, ServiceKind, DeploymentKind].map(async (kind) => {
            const live = await client.get(kind, name, { namespace: appsNamespace }).catch(() => undefined);
            const available = kind === DeploymentKind && live ? `, available ${(live as { status?: { availableReplicas?: number } }).status?.availableReplicas ?? 0}` : '';
            return `${kind.kind} ${live ? `exists (managers: ${(live.metadata.managedFields ?? []).map((entry) => entry.manager).join(', ')}${available})` : 'absent'}`;
          }),
        );
        console.log(`  ${name}: ${objects.join('; ')}`);
      }
      const nodeList = await client.list(NodeKind, { labelSelector: 'type=kwok' });
      const nodeReady = nodeList.items.map((node) => `${node.metadata.name} Ready=${(node as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions?.find((condition) => condition.type === 'Ready')?.status ?? '?'}`);
      console.log(`  kwok nodes: ${nodeReady.join(', ')}`);
      return { elapsedS: undefined, peakRssKb: each.map((one) => one.peakRssKb) };
    }
    return { elapsedS: (sorted.at(-1)! - startedAt) / 1000, peakRssKb: each.map((one) => one.peakRssKb) };
  } finally {
    client.close();
    await gitServer.stop();
    await rm(storageDir, { recursive: true, force: true });
  }
}

/** Several operators' figures as one: times and RSS summed, outcomes joined. */
function combined(each: OperatorFigures[]): OperatorFigures {
  if (each.length === 1) return each[0]!;
  const sum = (pick: (one: OperatorFigures) => number) => each.reduce((total, one) => total + pick(one), 0);
  const errors = each.flatMap((one) => (one.error ? [one.error] : []));
  return {
    spawnedAt: Math.min(...each.map((one) => one.spawnedAt)),
    peakRssKb: sum((one) => one.peakRssKb),
    maxRssKb: sum((one) => one.maxRssKb),
    sampledPeakKb: sum((one) => one.sampledPeakKb),
    startRssKb: sum((one) => one.startRssKb),
    userMs: sum((one) => one.userMs),
    systemMs: sum((one) => one.systemMs),
    outcomes: each.flatMap((one) => one.outcomes).sort((a, b) => a.at - b.at),
    ...(errors.length > 0 ? { error: errors.join('; ') } : {}),
  };
}

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
const figure = (run: RunResult) => (run.elapsedS === undefined ? 'timeout' : `${run.elapsedS.toFixed(1)}s`);
if (shardCount > 1) {
  console.log(`== ${apps} Kustomizations, one operator process`);
  const one = await runFleet(1);
  console.log(`\n== ${apps} Kustomizations, ${shardCount} operator processes, one shard each`);
  const sharded = await runFleet(shardCount);
  console.log(`\nall Ready: one process ${figure(one)} (peak RSS ${mb(one.peakRssKb[0]!)}), ${shardCount} shards ${figure(sharded)} (peak RSS ${sharded.peakRssKb.map(mb).join(' + ')})`);
  if (one.elapsedS === undefined || sharded.elapsedS === undefined) process.exitCode = 1;
  const ratio = one.elapsedS !== undefined && sharded.elapsedS !== undefined ? (sharded.elapsedS / one.elapsedS).toFixed(2) : 'n/a';
  console.log(`gitops-scale: weft=${figure(sharded)} baseline=${figure(one)} (Weft, one operator process) ratio=${ratio}`);
} else {
  const run = await runFleet(1);
  if (run.elapsedS === undefined) {
    console.log(`gitops-scale: weft=timeout baseline=${anchorSeconds}s (${anchor}) ratio=n/a`);
    process.exitCode = 1;
  } else {
    console.log(`target: ${apps} Kustomizations in under ${anchorSeconds} s (${run.elapsedS < anchorSeconds ? 'met' : 'missed'})`);
    console.log(`gitops-scale: weft=${run.elapsedS.toFixed(1)}s baseline=${anchorSeconds}s (${anchor}) ratio=${(run.elapsedS / anchorSeconds).toFixed(2)}`);
  }
}
