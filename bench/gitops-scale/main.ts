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
// Environment: BENCH_APPS (default 200), BENCH_NODES (kwok nodes, default 3), BENCH_TIMEOUT_S
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
import { appName, appsNamespace, fleetFiles, gitRepository, kustomization, sourceName, systemNamespace } from './fleet';
import { startOperator } from './operator-process';
import { readinessTracker } from './readiness';
import { describePhases } from './phases';
import { measureClusterFloor } from './floor';

const NodeKind = resourceKind<KubeObject>({ apiVersion: 'v1', kind: 'Node', plural: 'nodes', namespaced: false });
const apps = Number(process.env['BENCH_APPS'] ?? '200');
const nodes = Number(process.env['BENCH_NODES'] ?? '3');
const timeoutMs = Number(process.env['BENCH_TIMEOUT_S'] ?? '180') * 1000;
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? '50');
const loader = process.env['BENCH_LOADER'] === 'tsx' ? 'tsx' : 'bundle';
const anchorSeconds = 26;
const anchor = 'Flux kustomize-controller published: 100 Kustomizations, 16-core runner';
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');

const setupStarted = performance.now();
// The default /24 service range holds fewer than 256 Services; the fleet needs one per app. The
// controller manager's and scheduler's clients get 200 requests per second instead of 20 and 50:
// at the defaults, creating the Pods of 200 Deployments alone takes the controller manager
// about a minute, whoever applied the Deployments.
const clientRate = ['--kube-api-qps=200', '--kube-api-burst=400'];
await using controlPlane = await startControlPlane({
  controllers: true,
  nodes,
  apiServerFlags: ['--service-cluster-ip-range=10.0.0.0/16'],
  controllerManagerFlags: clientRate,
  schedulerFlags: clientRate,
});
const gitServer = await startGitServer();
const storageDir = await mkdtemp(join(tmpdir(), 'weft-bench-gitops-'));
const client = new KubeClient(controlPlane.kubeConfig, { fieldManager: 'bench-setup' });
try {
  const generated = performance.now();
  const repo = await gitServer.createRepo(sourceName, fleetFiles(apps));
  console.log(`repository: ${apps} apps, ${apps * 5} files, committed and pushed in ${seconds(performance.now() - generated)} (${repo.url})`);

  for (const name of [systemNamespace, appsNamespace]) await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as KubeObject);
  await installGitOpsCrds(controlPlane.kubeConfig, {});
  await client.create(gitRepository(repo.url));
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < apps) await client.create(kustomization(next++));
    }),
  );
  console.log(`set-up: control plane (${nodes} kwok nodes), git server, CRDs, 1 GitRepository and ${apps} Kustomizations in ${seconds(performance.now() - setupStarted)}`);
  if (process.env['BENCH_FLOOR'] === '1') {
    const floor = await measureClusterFloor(controlPlane.kubeConfig, apps, 'floor');
    console.log(`cluster floor: the same ${floor.objects} objects in one applySet from this process, applied in ${seconds(floor.applyMs)}, all healthy (drift wait) at ${seconds(floor.readyMs)}`);
  }
  console.log(`machine: ${cpus().length} cores, load average ${load()} before the run`);

  const readiness = await readinessTracker(client, { names: Array.from({ length: apps }, (_, index) => appName(index)), namespace: systemNamespace, sourceName });
  const operator = startOperator({ kubeconfigPath: controlPlane.kubeconfigPath, storageDir, namespace: systemNamespace, concurrency, cpuProfileDir: process.env['BENCH_CPU_PROF'], loader, workDir: storageDir });
  const startedAt = await operator.started;
  const allReady = await readiness.untilAllReady(startedAt, timeoutMs);
  const figures = await operator.stop();
  readiness.stop();
  console.log(`machine: load average ${load()} after the run`);

  const phases = readiness.phases();
  for (const line of describePhases(figures.outcomes.map((entry) => entry.outcome), phases, startedAt, systemNamespace)) console.log(line);
  const deployments = await client.listAll(DeploymentKind, { namespace: appsNamespace });
  const available = deployments.items.filter((deployment) => (deployment.status?.availableReplicas ?? 0) >= 1).length;
  const inventory = readiness.inventoryEntries();
  console.log(`applied: ${inventory} objects in the Kustomizations' inventories (${apps * 4} expected); ${available} of ${apps} Deployments available`);
  console.log(`operator: Kustomization concurrency ${concurrency}; spawn to manager start ${seconds(startedAt - figures.spawnedAt)}; CPU ${seconds(figures.userMs)} user + ${seconds(figures.systemMs)} system`);
  const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
  console.log(`operator peak RSS: ${mb(figures.peakRssKb)} (getrusage maxRSS ${mb(figures.maxRssKb)}; sampled every 100 ms, max ${mb(figures.sampledPeakKb)}); ${mb(figures.startRssKb)} of it at manager start (Node and the ${loader === 'tsx' ? 'tsx loader with the TypeScript sources' : 'bundled operator'})`);
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
    console.log(`gitops-scale: weft=timeout baseline=${anchorSeconds}s (${anchor}) ratio=n/a`);
    process.exitCode = 1;
  } else {
    const elapsed = (sorted.at(-1)! - startedAt) / 1000;
    console.log(`target: ${apps} Kustomizations in under ${anchorSeconds} s (${elapsed < anchorSeconds ? 'met' : 'missed'})`);
    console.log(`gitops-scale: weft=${elapsed.toFixed(1)}s baseline=${anchorSeconds}s (${anchor}) ratio=${(elapsed / anchorSeconds).toFixed(2)}`);
  }
} finally {
  client.close();
  await gitServer.stop();
  await rm(storageDir, { recursive: true, force: true });
}
