import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Kustomization, KustomizationKind, createGitOpsManager, installGitOpsCrds } from '@weft/delivery';
import { type GitRepository, GitRepositoryKind } from '@weft/git-source';
import { DeploymentKind, EventKind, KubeClient, NamespaceKind, createLogger, getCondition } from '@weft/reconcile-core';
import { eventually, startApiServer, startGitServer, type GitServer, type InMemoryApiServer, type RepoFile, type TestRepo } from '@weft/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, ENVIRONMENTS, NEXT_PRODUCTION_REPLICAS, initialFiles, pruneCommit, releaseCommit } from '../../examples/gitops-demo/src/sample-app';
import { faultFigures } from './figures';

/**
 * The demo's pipeline (one GitRepository, a Kustomization per overlay, prune, drift correction in
 * `revert` mode) run by @weft/delivery's operator in this process for `WEFT_SOAK_MINUTES` (1.5 by
 * default, as CI runs it; 30 for the full soak), on the in-memory API server with the real git
 * server: a commit every 6 s (a release, a prune, a settings change), a `kubectl edit` of the
 * production Deployment every 4 s. It samples the process as it goes and, after the load, counts
 * reconciles in an idle window.
 *
 * Bounds, compared between the medians of the first quarter after the warm-up and of the last quarter: heap after a
 * full GC and RSS grow by less than 16 MiB and 64 MiB; timers, sockets and open watches by no more
 * than a few (each in-flight request holds one of each for a moment); idle reconciles stay at the
 * configured intervals; no reconcile errors and no Warning events beyond the drift the test causes.
 */
const minutes = Number(process.env['WEFT_SOAK_MINUTES'] ?? '1.5');
const soakMs = minutes * 60_000;
const idleMs = 20_000;
const sampleEveryMs = 2_000;
const namespace = 'weft-system';
const source = 'weft-demo';

// A heap figure is only comparable after a full collection.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

interface Sample {
  readonly at: number;
  readonly rssMiB: number;
  readonly heapMiB: number;
  readonly timers: number;
  readonly sockets: number;
  readonly handles: number;
  readonly watches: number;
}

describe('soak: the demo pipeline under commits and drift edits', () => {
  const record = faultFigures(`soak (${minutes} min)`);
  let api: InMemoryApiServer;
  let git: GitServer;
  let repo: TestRepo;
  let client: KubeClient;
  let storageDir: string;
  const stop = new AbortController();
  let running: Promise<void> | undefined;
  // Counters only: a soak must not grow its own memory with what it records.
  const reconciles = new Map<string, number>();
  let reconcileErrors = 0;
  let firstError: unknown;
  const drift = { drifted: 0, reverted: 0, errors: 0 };

  beforeAll(async () => {
    api = await startApiServer();
    git = await startGitServer();
    client = new KubeClient(api.kubeConfig);
    storageDir = await mkdtemp(join(tmpdir(), 'weft-soak-'));
    repo = await git.createRepo('weft-demo', initialFiles());
    await installGitOpsCrds(api.kubeConfig, {});
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, { kind: NamespaceKind });
    const manager = createGitOpsManager({
      kubeConfig: api.kubeConfig,
      storageDir,
      namespace,
      logger: createLogger({ level: 'silent' }),
      handleSignals: false,
      gracefulShutdownTimeout: '5s',
      onOutcome: (outcome) => {
        reconciles.set(outcome.controller, (reconciles.get(outcome.controller) ?? 0) + 1);
        if (outcome.result === 'error') {
          reconcileErrors += 1;
          firstError ??= outcome.error;
        }
      },
      onDrift: (_key, event) => {
        if (event.type === 'drifted') drift.drifted += 1;
        else if (event.type === 'reverted') drift.reverted += 1;
        else if (event.type === 'error') drift.errors += 1;
      },
    });
    running = manager.start({ signal: stop.signal });
    // The demo's objects (examples/gitops-demo/src/main.ts), wait off: nothing rolls Deployments out in memory.
    await client.create({ apiVersion: GitRepositoryKind.apiVersion, kind: 'GitRepository', metadata: { name: source, namespace }, spec: { url: repo.url, ref: { branch: 'main' }, interval: '1s', timeout: '20s' } } as GitRepository);
    for (const environment of Object.keys(ENVIRONMENTS)) {
      await client.create({
        apiVersion: KustomizationKind.apiVersion,
        kind: 'Kustomization',
        metadata: { name: environment, namespace },
        spec: { sourceRef: { kind: 'GitRepository', name: source }, path: `./overlays/${environment}`, interval: '1m', retryInterval: '2s', timeout: '60s', prune: true, wait: false, driftDetection: { mode: 'revert' } },
      } as Kustomization);
    }
  }, 60_000);

  afterAll(async () => {
    stop.abort();
    await running?.catch(() => undefined);
    client?.close();
    await git?.stop();
    await api?.stop();
    if (storageDir) await rm(storageDir, { recursive: true, force: true });
  });

  const readyAt = (revision: string) =>
    Promise.all(
      Object.keys(ENVIRONMENTS).map((environment) =>
        eventually(`Kustomization/${environment} Ready at ${revision}`, async () => {
          const object = await client.get(KustomizationKind, environment, { namespace });
          return getCondition(object.status?.conditions, 'Ready')?.status === 'True' && object.status?.lastAppliedRevision === revision;
        }, { timeoutMs: 60_000, intervalMs: 200 }),
      ),
    );

  /** Warning Events in the operator's namespace, but DriftDetected: the soak's edits cause those. */
  const warningEvents = async () => (await client.list(EventKind, { namespace })).items.filter((event) => event.type === 'Warning' && event.reason !== 'DriftDetected');
  const occurrences = (event: { series?: { count: number } }) => event.series?.count ?? 1;

  function sample(): Sample {
    collectGarbage();
    const resources = process.getActiveResourcesInfo();
    const count = (type: string) => resources.filter((resource) => resource === type).length;
    const memory = process.memoryUsage();
    return { at: Date.now(), rssMiB: memory.rss / 2 ** 20, heapMiB: memory.heapUsed / 2 ** 20, timers: count('Timeout'), sockets: count('TCPSocketWrap'), handles: resources.length, watches: api.openWatches };
  }

  it(`runs ${minutes} min of commits and drift edits with no growth, no spin and no errors`, { timeout: soakMs + idleMs + 180_000 }, async () => {
    let revision = `main@sha1:${await repo.git('rev-parse', 'HEAD')}`;
    await readyAt(revision);
    // Warnings of the start-up (a Kustomization that ran before its source had an artifact) are not the soak's.
    const warningsAtStart = new Map((await warningEvents()).map((event) => [event.metadata.name!, occurrences(event)]));
    const production = ENVIRONMENTS.production.namespace;
    const samples: Sample[] = [];
    let commits = 0;
    let edits = 0;
    let productionReplicas: number = ENVIRONMENTS.production.replicas;
    const started = Date.now();
    let nextSample = started;
    for (let tick = 0; Date.now() - started < soakMs; tick += 1) {
      if (tick % 3 === 0) {
        // A release and a prune, then back: the image, the replicas and the feature-flags ConfigMap move each time.
        const release = commits % 2 === 0;
        const files: Record<string, RepoFile> = release
          ? { ...releaseCommit(), ...pruneCommit() }
          : { 'overlays/production/kustomization.yaml': initialFiles()['overlays/production/kustomization.yaml']!, 'base/kustomization.yaml': initialFiles()['base/kustomization.yaml']!, 'base/feature-flags.yaml': initialFiles()['base/feature-flags.yaml']! };
        files['base/settings.yaml'] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-settings\ndata:\n  GREETING: hello from commit ${commits}\n`;
        revision = `main@sha1:${await repo.commit(files, `soak commit ${commits}`)}`;
        productionReplicas = release ? NEXT_PRODUCTION_REPLICAS : ENVIRONMENTS.production.replicas;
        commits += 1;
      } else if (tick % 3 === 1) {
        // What `kubectl edit deployment web` sends.
        await client.patch(DeploymentKind, APP, { spec: { replicas: 10 } }, { namespace: production, type: 'strategic', fieldManager: 'kubectl-edit' }).catch(() => undefined);
        edits += 1;
      }
      if (Date.now() >= nextSample) {
        samples.push(sample());
        nextSample += sampleEveryMs;
      }
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    await readyAt(revision);
    await eventually(`Deployment ${production}/${APP} back to ${productionReplicas} replicas`, async () => (await client.get(DeploymentKind, APP, { namespace: production })).spec?.replicas === productionReplicas, { timeoutMs: 30_000 });
    samples.push(sample());

    // Idle: nothing changes; only the intervals (GitRepository 1s, Kustomizations 1m) may reconcile.
    const before = new Map(reconciles);
    const idleStart = Date.now();
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    const idleSeconds = (Date.now() - idleStart) / 1000;
    const idleRate = (controller: string) => ((reconciles.get(controller) ?? 0) - (before.get(controller) ?? 0)) / idleSeconds;
    samples.push(sample());

    const warnings = (await warningEvents()).filter((event) => occurrences(event) > (warningsAtStart.get(event.metadata.name!) ?? 0));
    const warmup = Math.max(20_000, soakMs * 0.3);
    const steady = samples.filter((entry) => entry.at - started >= warmup);
    const quarter = Math.max(1, Math.floor(steady.length / 4));
    const early = steady.slice(0, quarter);
    const late = steady.slice(-quarter);
    // Medians: a leak moves them; a request in flight at one sample does not.
    const median = (entries: Sample[], key: keyof Sample) => {
      const sorted = entries.map((entry) => entry[key]).sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)]!;
    };
    const growth = (key: keyof Sample) => median(late, key) - median(early, key);
    const range = (key: keyof Sample, digits = 0) => `${median(early, key).toFixed(digits)} → ${median(late, key).toFixed(digits)}`;

    record({ fault: 'soak', figure: 'commits pushed / drift edits (all applied, all reverted)', value: `${commits} / ${edits}`, bound: 'last commit Ready, edit reverted' });
    record({ fault: 'soak', figure: 'heap after GC, MiB (steady start → end)', value: range('heapMiB', 1), bound: '< +16 MiB' });
    record({ fault: 'soak', figure: 'RSS, MiB', value: range('rssMiB', 1), bound: '< +64 MiB' });
    record({ fault: 'soak', figure: 'timers / sockets / handles', value: `${range('timers')} / ${range('sockets')} / ${range('handles')}`, bound: '≤ +6 / +8 / +16' });
    record({ fault: 'soak', figure: 'open watches', value: range('watches'), bound: '≤ +2' });
    record({ fault: 'soak', figure: 'idle reconciles/s: gitrepository / kustomization', value: `${idleRate('gitrepository').toFixed(2)} / ${idleRate('kustomization').toFixed(2)}`, bound: '≤ 1.5 (1s interval) / ≤ 0.25 (1m)' });
    record({ fault: 'soak', figure: 'reconcile errors / drift-check errors / Warning events during the soak', value: `${reconcileErrors} / ${drift.errors} / ${warnings.length}`, bound: '0 / 0 / 0' });
    record({ fault: 'soak', figure: 'drift detected / reverted', value: `${drift.drifted} / ${drift.reverted}`, bound: '> 0 (the rest undone by the next apply)' });

    expect(steady.length).toBeGreaterThanOrEqual(4);
    expect(growth('heapMiB')).toBeLessThan(16);
    expect(growth('rssMiB')).toBeLessThan(64);
    expect(growth('timers')).toBeLessThanOrEqual(6);
    expect(growth('sockets')).toBeLessThanOrEqual(8);
    expect(growth('handles')).toBeLessThanOrEqual(16);
    expect(growth('watches')).toBeLessThanOrEqual(2);
    expect(idleRate('gitrepository')).toBeLessThanOrEqual(1.5);
    expect(idleRate('kustomization')).toBeLessThanOrEqual(0.25);
    expect(reconcileErrors, String(firstError)).toBe(0);
    expect(drift.errors).toBe(0);
    expect(warnings.map((event) => `${event.reason}: ${event.note}`)).toEqual([]);
    // An edit just before a commit is undone by that commit's apply rather than by a revert.
    expect(drift.reverted).toBeGreaterThan(0);
  });
});
