import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GitRepository, GitRepositoryKind } from '@weft/git-source';
import { type Kustomization, KustomizationKind, installGitOpsCrds } from '@weft/delivery';
import { ConfigMapKind, KubeClient, type KubeObject, resourceKind } from '@weft/reconcile-core';
import { eventually, ManagedProcess } from '@weft/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';
import { startGitServer, type GitServer, type TestRepo } from '../support/git-server';
import { faultFigures } from './figures';

type Lease = KubeObject & { spec?: { holderIdentity?: string; leaseTransitions?: number } };
const LeaseKind = resourceKind<Lease>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases', namespaced: true });

const root = fileURLToPath(new URL('../../', import.meta.url));
const operatorMain = join(root, 'examples/gitops-operator/src/main.ts');

// Short election timings, so the case takes seconds; the bound scales with them.
const lease = { durationS: 6, renewDeadlineS: 4, retryPeriodS: 1 };
const count = 150;
const names = Array.from({ length: count }, (_, i) => `cm-${String(i).padStart(3, '0')}`);
const configMap = (name: string, revision: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  revision: ${revision}\n`;
const revisionFiles = (revision: 'a' | 'b') => ({
  ...Object.fromEntries(names.map((name) => [`app/${name}.yaml`, configMap(name, revision)])),
  // Only in one revision each: revision b prunes only-a and creates only-b.
  'app/only-a.yaml': revision === 'a' ? configMap('only-a', 'a') : null,
  'app/only-b.yaml': revision === 'b' ? configMap('only-b', 'b') : null,
});

/** A JSON log line of the operator (pino's, `time` in ISO-8601). */
interface LogLine {
  readonly msg: string;
  readonly time: string;
  readonly identity?: string;
}

/** One operator replica as its users run it: the example's command line, in its own process. */
interface Replica {
  readonly process: ManagedProcess;
  readonly logPath: string;
  /** Its JSON log lines so far. */
  lines(): Promise<LogLine[]>;
}

/**
 * The leader's process killed (`SIGKILL`, no chance to release its Lease) in the middle of a
 * revision's reconcile, on the real control plane: the standby replica takes the Lease and finishes
 * the revision; no object is lost, none written twice, and the hand-over is measured.
 */
describeCluster('faults: the leader killed mid-reconcile (two operator processes)', () => {
  const record = faultFigures('leader election');
  let namespace: string;
  let client: KubeClient;
  let git: GitServer;
  let repo: TestRepo;
  let work: string;
  let kubeconfigPath: string;
  const replicas: Replica[] = [];
  const leaseName = 'weft-gitops-operator-faults';

  function startReplica(name: string, installCrds: boolean): Replica {
    const logPath = join(work, `${name}.log`);
    const args = [operatorMain, '--kubeconfig', kubeconfigPath, '--namespace', namespace, '--storage-dir', join(work, `${name}-storage`), '--log-level', 'info'];
    args.push('--leader-election-id', leaseName, '--leader-elect-namespace', namespace);
    args.push('--leader-election-lease-duration', `${lease.durationS}s`, '--leader-election-renew-deadline', `${lease.renewDeadlineS}s`, '--leader-election-retry-period', `${lease.retryPeriodS}s`);
    if (!installCrds) args.push('--no-install-crds');
    // Node itself with tsx's loader, not the `tsx` command: that one runs the program in a child
    // process, which a SIGKILL of the command would leave running.
    const process = new ManagedProcess(name, globalThis.process.execPath, ['--import', 'tsx', ...args], logPath, { cwd: root });
    const replica: Replica = {
      process,
      logPath,
      lines: async () =>
        (await readFile(logPath, 'utf8'))
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as LogLine),
    };
    replicas.push(replica);
    return replica;
  }
  const leaderLine = async (replica: Replica) => (await replica.lines()).find((line) => line.msg === 'became leader');

  beforeAll(async () => {
    namespace = await testNamespace('faults-leader');
    const kubeConfig = clusterKubeConfig();
    client = new KubeClient(kubeConfig);
    await installGitOpsCrds(kubeConfig, {});
    work = await mkdtemp(join(tmpdir(), 'weft-faults-leader-'));
    kubeconfigPath = join(work, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeConfig.exportConfig());
    git = await startGitServer();
    repo = await git.createRepo('fleet', revisionFiles('a'));
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.process.stop(5_000)));
    client?.close();
    await git?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the standby takes the Lease within one lease duration (+ two retry periods) and finishes the pending revision: nothing lost, nothing written twice', { timeout: 180_000 }, async () => {
    const ready = (object: Kustomization) => object.status?.conditions?.find((condition) => condition.type === 'Ready');
    const leader = startReplica('leader', true);
    const leaderStarted = await eventually('the first replica to lead', () => leaderLine(leader), { timeoutMs: 60_000, intervalMs: 250 });

    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gate', namespace }, data: {} });
    await client.create({ apiVersion: GitRepositoryKind.apiVersion, kind: 'GitRepository', metadata: { name: 'fleet', namespace }, spec: { url: repo.url, interval: '1s', ref: { branch: 'main' } } } as GitRepository);
    // The health check on `gate` (not in git) holds the revision's reconcile open until the test lets it finish.
    await client.create({
      apiVersion: KustomizationKind.apiVersion,
      kind: 'Kustomization',
      metadata: { name: 'fleet', namespace },
      spec: { sourceRef: { kind: 'GitRepository', name: 'fleet' }, path: './app', interval: '10m', prune: true, targetNamespace: namespace, timeout: '2m', healthChecks: [{ kind: 'ConfigMap', name: 'gate' }] },
    } as Kustomization);
    const first = await eventually('revision a applied', async () => {
      const object = await client.get(KustomizationKind, 'fleet', { namespace });
      return ready(object)?.status === 'True' && object.status?.lastAppliedRevision?.startsWith('main@sha1:') && object;
    }, { timeoutMs: 60_000, intervalMs: 250 });

    const standby = startReplica('standby', false);
    await eventually('the standby to be up', async () => (await standby.lines()).some((line) => line.msg === 'starting the GitOps operator'), { timeoutMs: 60_000, intervalMs: 250 });
    // Its election loop runs once the manager starts; give it a retry period or two to have tried.
    await new Promise((resolve) => setTimeout(resolve, 2 * lease.retryPeriodS * 1000));
    const held = await client.get(LeaseKind, leaseName, { namespace });
    const electionLog = async () => (await Promise.all(replicas.map(async (replica) => `${replica.process.name} (exited: ${replica.process.hasExited}): ${(await replica.lines()).filter((line) => /leader|lease|election/i.test(JSON.stringify(line))).map((line) => JSON.stringify(line)).join('\n')}`))).join('\n');
    expect(held.spec?.holderIdentity, await electionLog()).toBe(leaderStarted.identity);
    expect(await leaderLine(standby)).toBeUndefined();

    // Every write to the applied ConfigMaps from here on, as the apiserver records them.
    const listed = await client.list(ConfigMapKind, { namespace });
    const writes: { type: string; name: string; revision: string | undefined; at: number }[] = [];
    const watching = new AbortController();
    let killedAt = 0;
    let watchError: unknown;
    const killed = new Promise<void>((resolve) => {
      void (async () => {
        try {
          for await (const event of client.watch(ConfigMapKind, { namespace, resourceVersion: listed.resourceVersion, signal: watching.signal })) {
            if (event.type === 'BOOKMARK') continue;
            const revision = (event.object as KubeObject & { data?: { revision?: string } }).data?.revision;
            writes.push({ type: event.type, name: event.object.metadata.name!, revision, at: Date.now() });
            if (killedAt === 0 && revision === 'b') {
              // The first object of revision b is written: the leader is applying it. Kill it now.
              leader.process.kill('SIGKILL');
              killedAt = Date.now();
              resolve();
            }
          }
        } catch (error) {
          // Aborted at the end of the test; anything else fails it.
          if (!watching.signal.aborted) watchError = error;
        }
      })();
    });
    await client.delete(ConfigMapKind, 'gate', { namespace });
    const pushed = await repo.commit(revisionFiles('b'), 'revision b');
    const revisionB = `main@sha1:${pushed}`;
    await Promise.race([
      killed,
      new Promise((resolve) => setTimeout(resolve, 60_000)).then(async () => {
        const status = (await client.get(KustomizationKind, 'fleet', { namespace })).status;
        throw new Error(`the leader never started applying revision b; status ${JSON.stringify(status?.conditions)}; writes seen ${writes.length}; watch error ${String(watchError)}; leader's log:\n${leader.process.tail(15)}`);
      }),
    ]);
    expect(await leader.process.exited).toMatchObject({ signal: 'SIGKILL' });
    const pending = await client.get(KustomizationKind, 'fleet', { namespace });
    expect(pending.status?.lastAppliedRevision).toBe(first.status?.lastAppliedRevision);
    // Only now can the revision's health check pass: nobody could finish it before the kill.
    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gate', namespace }, data: {} });

    const took = await eventually('the standby to take the Lease', async () => {
      const line = await leaderLine(standby);
      return line && { line, at: Date.now() };
    }, { timeoutMs: 60_000, intervalMs: 50 }).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await electionLog()}\nstandby's log:\n${standby.process.tail(20)}`);
    });
    const afterLease = await client.get(LeaseKind, leaseName, { namespace });
    expect(afterLease.spec?.holderIdentity).toBe(took.line.identity);
    expect(took.line.identity).not.toBe(leaderStarted.identity);
    const finished = await eventually('the standby to finish revision b', async () => {
      const object = await client.get(KustomizationKind, 'fleet', { namespace });
      return ready(object)?.status === 'True' && object.status?.lastAppliedRevision === revisionB && object;
    }, { timeoutMs: 90_000, intervalMs: 100 });
    const readyAt = Date.now();
    // Let any late write (a second apply, a stray prune) arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    watching.abort();
    expect(watchError).toBeUndefined();

    const ledAt = Date.parse(took.line.time);
    const handover = (ledAt - killedAt) / 1000;
    // What the killed leader had written: the revision-b writes that arrived before the standby led.
    const writtenByLeader = new Set(writes.filter((write) => write.revision === 'b' && write.at < ledAt).map((write) => write.name)).size;
    // client-go's rule, which Weft's elector follows: a standby counts the lease duration from when
    // it last saw the Lease change (up to one jittered retry period after the leader's last renewal),
    // and tries again every jittered retry period (×1.2 at most) after that.
    const bound = lease.durationS + 2 * lease.retryPeriodS * 1.2;
    // Nothing lost: every object of revision b is there with its content; only-a is pruned.
    const live = await client.list(ConfigMapKind, { namespace });
    const byName = new Map(live.items.map((object) => [object.metadata.name!, (object as KubeObject & { data?: { revision?: string } }).data?.revision]));
    expect([...names, 'only-b'].filter((name) => byName.get(name) !== 'b')).toEqual([]);
    expect(byName.has('only-a')).toBe(false);
    expect(finished.status?.inventory?.entries.map((entry) => entry.id).sort()).toEqual([...names, 'only-b'].map((name) => `${namespace}_${name}__ConfigMap`).sort());
    // Nothing written twice: each object changed exactly once (a → b), only-b was created once and
    // only-a deleted once; the standby's re-apply of what the leader had written changed nothing.
    const writesOf = (name: string) => writes.filter((write) => write.name === name);
    const twice = [...names, 'only-a', 'only-b'].filter((name) => writesOf(name).length !== 1);
    expect(twice.map((name) => `${name}: ${writesOf(name).map((write) => `${write.type} ${write.revision}`).join(', ')}`)).toEqual([]);
    expect(writesOf('only-a')[0]?.type).toBe('DELETED');
    expect(writesOf('only-b')[0]).toMatchObject({ type: 'ADDED', revision: 'b' });
    // No key reconciled by both: the standby led only after the leader was dead.
    expect(ledAt).toBeGreaterThanOrEqual(killedAt);
    expect(handover).toBeLessThanOrEqual(bound);

    record({ fault: 'leader SIGKILL mid-apply', figure: 'objects of the revision written when killed', value: `${writtenByLeader} / ${count + 1}`, bound: '< all (mid-reconcile)' });
    record({ fault: 'leader SIGKILL mid-apply', figure: 'hand-over (kill → standby leads)', value: `${handover.toFixed(1)} s`, bound: `≤ ${bound.toFixed(1)} s (lease ${lease.durationS}s + 2 × retry ${lease.retryPeriodS}s × 1.2 jitter)` });
    record({ fault: 'leader SIGKILL mid-apply', figure: 'kill → revision finished (Ready)', value: `${((readyAt - killedAt) / 1000).toFixed(1)} s`, bound: '—' });
    record({ fault: 'leader SIGKILL mid-apply', figure: 'objects lost / written twice', value: `0 / ${twice.length}`, bound: '0 / 0' });
  });
});
