// cli benchmark: the start-up of the `weft` command, as a user meets it. `weft get kustomizations
// -A` (the bundled binary, plain node) and `kubectl get kustomizations.kustomize.weft.dev -A` (its
// discovery cache warm, as on a user's machine) list the same 50 Kustomizations from the same
// in-memory API server, alternating, as whole processes; the figure is the median wall time.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Kustomization, KustomizationKind, installGitOpsCrds } from '@weft/delivery';
import { KubeClient, NamespaceKind } from '@weft/reconcile-core';
import { findControlPlaneBinaries, startApiServer } from '@weft/testkit';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = join(root, 'packages/cli/dist/bin/weft.js');
const runs = Number(process.env['WEFT_BENCH_RUNS'] ?? 15);
const count = 50;

const found = findControlPlaneBinaries(['kubectl']);
if ('missing' in found) {
  console.error('cli: kubectl is not built (run `pnpm control-plane`)');
  process.exit(1);
}
if (!existsSync(bin)) {
  console.log('building @weft/cli and the packages it bundles (dist)…');
  await run('pnpm', ['-r', '--filter', '@weft/cli...', 'run', 'build'], { cwd: root });
}

function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ ms: number; stdout: string }> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    execFile(command, args, { ...options, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, stdout });
    });
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const home = mkdtempSync(join(tmpdir(), 'weft-bench-cli-'));
const api = await startApiServer();
try {
  const client = new KubeClient(api.kubeConfig);
  await installGitOpsCrds(api.kubeConfig, {});
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } }, { kind: NamespaceKind });
  for (let index = 0; index < count; index++) {
    const name = `app-${String(index).padStart(2, '0')}`;
    await client.create({ apiVersion: KustomizationKind.apiVersion, kind: 'Kustomization', metadata: { name, namespace: 'apps' }, spec: { sourceRef: { kind: 'GitRepository', name: 'shop' }, path: `./${name}`, interval: '5m', prune: true } } as Kustomization);
    const revision = `main@sha1:${index.toString(16).padStart(40, '0')}`;
    await client.patchStatus(KustomizationKind, name, { status: { lastAppliedRevision: revision, conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: `Applied revision: ${revision}`, lastTransitionTime: new Date().toISOString() }] } }, { namespace: 'apps' });
  }
  client.close();
  writeFileSync(join(home, 'kubeconfig'), api.kubeconfigYaml);
  const env = { PATH: process.env['PATH'], HOME: home, KUBECONFIG: join(home, 'kubeconfig') };
  const weft = () => run(process.execPath, [bin, 'get', 'kustomizations', '-A'], { env });
  const kubectl = () => run(found.kubectl, ['get', 'kustomizations.kustomize.weft.dev', '-A'], { env });
  const nodeAlone = () => run(process.execPath, ['-e', '0'], { env });
  // Warm-up: kubectl fills its discovery cache under $HOME/.kube/cache; the OS caches both binaries.
  for (const once of [weft, kubectl, nodeAlone, weft, kubectl]) await once();
  const listed = (await weft()).stdout.trimEnd().split('\n');
  if (listed.length !== count + 1 || !listed[1]!.startsWith('apps ')) throw new Error(`weft get printed ${listed.length} lines:\n${listed.slice(0, 3).join('\n')}`);
  if ((await kubectl()).stdout.trimEnd().split('\n').length !== count + 1) throw new Error('kubectl get did not list every Kustomization');
  const times = { weft: [] as number[], kubectl: [] as number[], node: [] as number[] };
  for (let index = 0; index < runs; index++) {
    times.weft.push((await weft()).ms);
    times.kubectl.push((await kubectl()).ms);
    times.node.push((await nodeAlone()).ms);
  }
  const weftMs = median(times.weft);
  const kubectlMs = median(times.kubectl);
  console.log(`runs: ${runs} each, alternating; ${count} Kustomizations in the in-memory API server`);
  console.log(`weft get kustomizations -A: median ${weftMs.toFixed(0)} ms (min ${Math.min(...times.weft).toFixed(0)}, max ${Math.max(...times.weft).toFixed(0)})`);
  console.log(`kubectl get kustomizations.kustomize.weft.dev -A: median ${kubectlMs.toFixed(0)} ms (min ${Math.min(...times.kubectl).toFixed(0)}, max ${Math.max(...times.kubectl).toFixed(0)})`);
  console.log(`node -e 0 (the floor of any Node program): median ${median(times.node).toFixed(0)} ms`);
  console.log(`cli: weft=${weftMs.toFixed(0)}ms baseline=${kubectlMs.toFixed(0)}ms (kubectl get) ratio=${(weftMs / kubectlMs).toFixed(2)}`);
} finally {
  await api.stop();
  rmSync(home, { recursive: true, force: true });
}
