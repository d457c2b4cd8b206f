// bench/gitops-scale: one git repository (served over smart HTTP by `git http-backend`) holding
// N apps of four objects each (Deployment, Service, ServiceAccount, ConfigMap), one GitRepository
// and N Kustomizations with `wait: true`, against a real control plane with
// kube-controller-manager, kube-scheduler and kwok nodes, so every Deployment really rolls out to
// a Ready Pod. Measured: the time from spawning the controller process(es) until every
// Kustomization is Ready, their peak RSS and CPU time.
//
// Weft against Flux (the default): for each fleet size (BENCH_APPS, default "200,1000"), Weft's
// operator (@weft/delivery's createGitOpsManager, as examples/gitops-operator runs it, in a child
// process of its own) and then Flux's source-controller and kustomize-controller (tools/flux,
// v1.9.6, run out of cluster with source-controller's artifact server on loopback), each on a
// fresh control plane, with the same repository, spec, intervals and Kustomization concurrency.
// The last line compares the largest size both finished; a line before it gives every size.
//
// BENCH_SHARDS=N (N > 1): the scale-out comparison. The same fleet, labelled round robin with
// Flux's sharding.fluxcd.io/key (shard-0 … shard-N-1, one GitRepository per shard carrying the label
// too), first served by one operator process, then by N operator processes started with the
// operator's shard flags, each run on a fresh control plane; the last line then compares the N
// shards (weft) with the one process (baseline). The shards share the one process's Kustomization
// concurrency (BENCH_CONCURRENCY / N each; BENCH_SHARD_CONCURRENCY sets it per shard process).
//
// Environment: BENCH_APPS (fleet sizes, comma-separated, default 200,1000), BENCH_ONLY=weft|flux
// (run one side), BENCH_NODES (kwok nodes, default one per 200 apps, 3 at least), BENCH_TIMEOUT_S
// (default 2.4 s per app, 600 at least), BENCH_CPU_PROF=<dir> (write a V8 CPU profile of the
// operator there), BENCH_LOG_LEVEL (operator log level, default warn), BENCH_CONCURRENCY
// (Kustomizations reconciled at once, Weft's and Flux's `--concurrent`, default 50),
// BENCH_LOADER=tsx (run the operator's sources through tsx instead of an esbuild bundle),
// BENCH_FLOOR=1 (first apply the same objects in one applySet, for the cluster's floor),
// BENCH_DRIFT_WATCH=0 / BENCH_EVENTS=0 (the operator without drift watches / Events).
// Last line: `gitops-scale: weft=<s>s baseline=<s>s (Flux source- and kustomize-controller v1.9.6, same run, <N> apps) ratio=<weft/flux>`.
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { installGitOpsCrds } from '@weft/delivery';
import { ConfigMapKind, DeploymentKind, KubeClient, ServiceAccountKind, ServiceKind, resourceKind, type KubeObject } from '@weft/reconcile-core';
import { startControlPlane } from '@weft/testkit';
import { startGitServer } from '../../test/support/git-server';
import { fluxBinaries, fluxControllers, fluxVersion, installFluxCrds, startFlux } from '../../test/flux-fidelity/flux-controllers';
import { appName, appsNamespace, type FleetKinds, fleetFiles, fluxKinds, gitRepository, kustomization, shardKey, shardSourceName, systemNamespace, weftKinds } from './fleet';
import { type OperatorFigures, startOperator } from './operator-process';
import { readinessTracker } from './readiness';
import { describePhases, describeStatusPhases } from './phases';
import { measureClusterFloor } from './floor';

const NodeKind = resourceKind<KubeObject>({ apiVersion: 'v1', kind: 'Node', plural: 'nodes', namespaced: false });
const sizes = (process.env['BENCH_APPS'] ?? '200,1000').split(',').map(Number);
// kwok nodes take 250 Pods each (testkit's node capacity): enough nodes for every app's Pod, three at least.
const nodesFor = (apps: number) => Number(process.env['BENCH_NODES'] ?? String(Math.max(3, Math.ceil(apps / 200))));
// Long enough for Flux, which took over 180 s for 200 apps here: 2.4 s per app, 600 s at least.
const timeoutFor = (apps: number) => Number(process.env['BENCH_TIMEOUT_S'] ?? String(Math.max(600, Math.ceil(apps * 2.4)))) * 1000;
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? '50');
const loader = process.env['BENCH_LOADER'] === 'tsx' ? 'tsx' : 'bundle';
const shardCount = Number(process.env['BENCH_SHARDS'] ?? '1');
const only = process.env['BENCH_ONLY'];
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

type Controller = 'weft' | 'flux';

interface RunResult {
  /** Seconds from spawning the controller process(es) until every Kustomization was Ready; undefined: timed out. */
  elapsedS: number | undefined;
  /** Peak RSS of each process. */
  peakRssKb: number[];
  /** User + system CPU time of all processes. */
  cpuMs: number;
}

/** What a run's controllers report once stopped. */
interface Stopped {
  peakRssKb: number[];
  cpuMs: number;
  /** Lines describing the run from the controllers' side. */
  lines: string[];
  /** Weft's reconcile outcomes and its managers' start, for its phases (Flux's controllers report none). */
  outcomes?: { outcomes: unknown[]; startedAt: number };
}

/** The controllers of one run, started; `spawnedAt` is when the first process was spawned. */
interface Running {
  spawnedAt: number;
  stop(): Promise<Stopped>;
}

/** Weft's operator in `shards` processes (1: one unsharded operator). */
async function startWeft(options: { kubeconfigPath: string; storageDir: string; apps: number; shards: number }): Promise<Running> {
  const shardKeys = options.shards > 1 ? Array.from({ length: options.shards }, (_, index) => shardKey(index, options.shards)) : [undefined];
  // The same Kustomization concurrency in all: split over the shard processes (BENCH_SHARD_CONCURRENCY=each sets it per process).
  const perProcess = options.shards > 1 ? Number(process.env['BENCH_SHARD_CONCURRENCY'] ?? Math.ceil(concurrency / options.shards)) : concurrency;
  const operators = shardKeys.map((shard) =>
    startOperator({ kubeconfigPath: options.kubeconfigPath, storageDir: join(options.storageDir, shard ?? 'main'), namespace: systemNamespace, concurrency: perProcess, cpuProfileDir: process.env['BENCH_CPU_PROF'], loader, workDir: options.storageDir, shard }),
  );
  const startedAt = Math.min(...(await Promise.all(operators.map((operator) => operator.started))));
  return {
    spawnedAt: Math.min(...operators.map((operator) => operator.spawnedAt)),
    async stop() {
      const each = await Promise.all(operators.map((operator) => operator.stop()));
      const figures = combined(each);
      const lines: string[] = [];
      if (each.length > 1) {
        for (const [index, one] of each.entries()) {
          const shard = shardKeys[index]!;
          const own = new Set(Array.from({ length: options.apps }, (_, app) => app).filter((app) => shardKey(app, options.shards) === shard).map(appName));
          const foreign = one.outcomes.filter((entry) => {
            const key = (entry.outcome as { controller?: string; key?: string }).key ?? '';
            return (entry.outcome as { controller?: string }).controller === 'Kustomization' && !own.has(key.split('/').at(-1) ?? '');
          }).length;
          lines.push(`operator ${shard}: ${one.outcomes.length} reconciles (${foreign} of another shard's Kustomizations), CPU ${seconds(one.userMs)} user + ${seconds(one.systemMs)} system, peak RSS ${mb(one.peakRssKb)}`);
        }
      }
      lines.push(`operator${each.length > 1 ? `s (${each.length}, summed)` : ''}: Kustomization concurrency ${perProcess}${each.length > 1 ? ' each' : ''}; spawn to manager start ${seconds(startedAt - figures.spawnedAt)}; CPU ${seconds(figures.userMs)} user + ${seconds(figures.systemMs)} system`);
      lines.push(`operator peak RSS${each.length > 1 ? ' (summed over the processes)' : ''}: ${mb(figures.peakRssKb)} (getrusage maxRSS ${mb(figures.maxRssKb)}; sampled every 100 ms, max ${mb(figures.sampledPeakKb)}); ${mb(figures.startRssKb)} of it at manager start (Node and the ${loader === 'tsx' ? 'tsx loader with the TypeScript sources' : 'bundled operator'})`);
      if (figures.cpuProfile) lines.push(`CPU profile: ${figures.cpuProfile}`);
      if (figures.error) lines.push(`operator error: ${figures.error}`);
      return { peakRssKb: each.map((one) => one.peakRssKb), cpuMs: figures.userMs + figures.systemMs, lines, outcomes: { outcomes: figures.outcomes.map((entry) => entry.outcome), startedAt } };
    },
  };
}

/** Flux's source-controller and kustomize-controller, with the same Kustomization concurrency. */
async function startFluxRun(options: { binDir: string; kubeconfigPath: string; storageDir: string }): Promise<Running> {
  const flux = await startFlux({
    binDir: options.binDir,
    kubeconfigPath: options.kubeconfigPath,
    workDir: join(options.storageDir, 'flux'),
    concurrency,
    watchNamespace: systemNamespace,
    logLevel: (process.env['BENCH_LOG_LEVEL'] as 'info' | 'error' | undefined) === 'info' ? 'info' : 'error',
  });
  return {
    spawnedAt: flux.spawnedAt,
    async stop() {
      const figures = await flux.stop();
      const each = fluxControllers.map((name) => [name, figures[name]] as const);
      const cpuMs = each.reduce((sum, [, one]) => sum + one.userMs + one.systemMs, 0);
      return {
        peakRssKb: each.map(([, one]) => one.peakRssKb),
        cpuMs,
        lines: [
          `Flux: kustomize-controller --concurrent=${concurrency}, source-controller --concurrent=2 (Flux's default, as Weft's GitRepository concurrency); spawn to both /readyz ${seconds(flux.readyAt - flux.spawnedAt)}`,
          ...each.map(([name, one]) => `${name}: CPU ${seconds(one.userMs)} user + ${seconds(one.systemMs)} system, peak RSS ${mb(one.peakRssKb)} (VmHWM)`),
          `Flux peak RSS (summed over the two processes): ${mb(each.reduce((sum, [, one]) => sum + one.peakRssKb, 0))}`,
        ],
      };
    },
  };
}

/** One run on a fresh control plane: the fleet of `apps` served by Weft (in `shards` processes) or by Flux. */
async function runFleet(options: { apps: number; controller: Controller; shards?: number; fluxBinDir?: string }): Promise<RunResult> {
  const { apps, controller } = options;
  const shards = options.shards ?? 1;
  const nodes = nodesFor(apps);
  const timeoutMs = timeoutFor(apps);
  const kinds: FleetKinds = controller === 'flux' ? fluxKinds : weftKinds;
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
    if (controller === 'flux') await installFluxCrds(client, options.fluxBinDir!);
    else await installGitOpsCrds(controlPlane.kubeConfig, {});
    const shardKeys = shards > 1 ? Array.from({ length: shards }, (_, index) => shardKey(index, shards)) : [undefined];
    for (const shard of shardKeys) await client.create(gitRepository(repo.url, shard, kinds));
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < apps) await client.create(kustomization(next++, shards, kinds));
      }),
    );
    console.log(`set-up: control plane (${nodes} kwok nodes), git server, CRDs, ${shardKeys.length} GitRepository and ${apps} Kustomizations in ${seconds(performance.now() - setupStarted)}`);
    if (process.env['BENCH_FLOOR'] === '1') {
      const floor = await measureClusterFloor(controlPlane.kubeConfig, apps, 'floor');
      console.log(`cluster floor: the same ${floor.objects} objects in one applySet from this process, applied in ${seconds(floor.applyMs)}, all healthy (drift wait) at ${seconds(floor.readyMs)}`);
    }
    console.log(`machine: ${cpus().length} cores, load average ${load()} before the run`);

    const sourceName = shardSourceName(shardKeys[0]);
    const readiness = await readinessTracker(client, { names: Array.from({ length: apps }, (_, index) => appName(index)), namespace: systemNamespace, sourceName, kinds });
    const running =
      controller === 'flux'
        ? await startFluxRun({ binDir: options.fluxBinDir!, kubeconfigPath: controlPlane.kubeconfigPath, storageDir })
        : await startWeft({ kubeconfigPath: controlPlane.kubeconfigPath, storageDir, apps, shards });
    const startedAt = running.spawnedAt;
    const allReady = await readiness.untilAllReady(startedAt, timeoutMs);
    const stopped = await running.stop();
    readiness.stop();
    console.log(`machine: load average ${load()} after the run`);

    const phases = readiness.phases();
    const source = readiness.sourceReadyAt();
    if (stopped.outcomes) for (const line of describePhases(stopped.outcomes.outcomes, phases, stopped.outcomes.startedAt, systemNamespace)) console.log(line);
    for (const line of describeStatusPhases(phases, source)) console.log(line);
    const deployments = await client.listAll(DeploymentKind, { namespace: appsNamespace });
    const available = deployments.items.filter((deployment) => (deployment.status?.availableReplicas ?? 0) >= 1).length;
    const inventory = readiness.inventoryEntries();
    console.log(`applied: ${inventory} objects in the Kustomizations' inventories (${apps * 4} expected); ${available} of ${apps} Deployments available`);
    for (const line of stopped.lines) console.log(line);
    const sorted = [...phases.values()].flatMap((times) => (times.ready === undefined ? [] : [times.ready])).sort((a, b) => a - b);
    if (source !== undefined) console.log(`GitRepository ${sourceName} Ready at ${seconds(source - startedAt)} (from spawn)`);
    if (sorted.length > 0) {
      const at = (fraction: number) => seconds(sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]! - startedAt);
      console.log(`Kustomizations Ready (from spawn): first at ${at(0)}, half at ${at(0.5)}, 90% at ${at(0.9)}, all ${sorted.length} of ${apps} at ${at(1)}`);
    }
    const result = { peakRssKb: stopped.peakRssKb, cpuMs: stopped.cpuMs };
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
      return { elapsedS: undefined, ...result };
    }
    return { elapsedS: (sorted.at(-1)! - startedAt) / 1000, ...result };
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

const figure = (run: RunResult) => (run.elapsedS === undefined ? 'timeout' : `${run.elapsedS.toFixed(1)}s`);
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
if (shardCount > 1) {
  const apps = sizes.at(-1)!;
  console.log(`== ${apps} Kustomizations, one operator process`);
  const one = await runFleet({ apps, controller: 'weft' });
  console.log(`\n== ${apps} Kustomizations, ${shardCount} operator processes, one shard each`);
  const sharded = await runFleet({ apps, controller: 'weft', shards: shardCount });
  console.log(`\nall Ready: one process ${figure(one)} (peak RSS ${mb(one.peakRssKb[0]!)}), ${shardCount} shards ${figure(sharded)} (peak RSS ${sharded.peakRssKb.map(mb).join(' + ')})`);
  if (one.elapsedS === undefined || sharded.elapsedS === undefined) process.exitCode = 1;
  const ratio = one.elapsedS !== undefined && sharded.elapsedS !== undefined ? (sharded.elapsedS / one.elapsedS).toFixed(2) : 'n/a';
  console.log(`gitops-scale: weft=${figure(sharded)} baseline=${figure(one)} (Weft, one operator process) ratio=${ratio}`);
} else {
  const fluxBinDir = only === 'weft' ? undefined : fluxBinaries();
  const baseline = (apps: number) => `Flux source- and kustomize-controller ${fluxBinDir ? fluxVersion(fluxBinDir) : ''}, same run, ${apps} apps`;
  const lines: { apps: number; weft: RunResult | undefined; flux: RunResult | undefined; ratio: string }[] = [];
  for (const apps of sizes) {
    console.log(`\n== ${apps} Kustomizations, Weft's operator`);
    const weft = only === 'flux' ? undefined : await runFleet({ apps, controller: 'weft' });
    console.log(`\n== ${apps} Kustomizations, Flux's source-controller and kustomize-controller`);
    const flux = only === 'weft' ? undefined : await runFleet({ apps, controller: 'flux', fluxBinDir: fluxBinDir! });
    const describe = (name: string, run: RunResult | undefined) => (run ? `${name} ${figure(run)} (peak RSS ${run.peakRssKb.map(mb).join(' + ')}, CPU ${seconds(run.cpuMs)})` : `${name} not run`);
    console.log(`\n${apps} apps, all Ready: ${describe('Weft', weft)}, ${describe('Flux', flux)}`);
    if ((weft && weft.elapsedS === undefined) || (flux && flux.elapsedS === undefined)) process.exitCode = 1;
    const ratio = weft?.elapsedS !== undefined && flux?.elapsedS !== undefined ? (weft.elapsedS / flux.elapsedS).toFixed(2) : 'n/a';
    lines.push({ apps, weft, flux, ratio });
  }
  for (const { apps, weft, flux, ratio } of lines) {
    console.log(`${apps} apps: weft=${weft ? figure(weft) : 'n/a'} flux=${flux ? figure(flux) : 'n/a'} ratio=${ratio}; peak RSS weft=${weft ? mb(sum(weft.peakRssKb)) : 'n/a'} flux=${flux ? `${mb(sum(flux.peakRssKb))} (source-controller ${mb(flux.peakRssKb[0]!)} + kustomize-controller ${mb(flux.peakRssKb[1]!)})` : 'n/a'}`);
  }
  // The last line: the largest size both finished (Flux's time grows with the repository's size, see the README), else the last size.
  const last = [...lines].reverse().find((line) => line.weft?.elapsedS !== undefined && line.flux?.elapsedS !== undefined) ?? lines.at(-1)!;
  console.log(`gitops-scale: weft=${last.weft ? figure(last.weft) : 'n/a'} baseline=${last.flux ? figure(last.flux) : 'n/a'} (${baseline(last.apps)}) ratio=${last.ratio}`);
}
