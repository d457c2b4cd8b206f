// kustomize benchmark: `weft-kustomize build` against `kustomize build` (v5.8.2), both as
// processes, on the generated large tree and on real-looking small trees (the differential
// corpus of kustomize-lite), plus an in-process warm `build()` on the large tree. weft-kustomize
// runs as a user's runs do: the first starts its build server, which answers the others; each
// figure is also measured with every run building in its own process.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, buildInWorker } from '@weft/kustomize-lite';
import { findKustomizeBinary } from '@weft/testkit';
import { treeShape, writeBenchmarkTree } from './tree.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const packageDir = join(root, 'packages/kustomize-lite');
const cli = join(packageDir, 'bin/weft-kustomize.cjs');
const bundle = join(packageDir, 'dist/weft-kustomize.cjs');
const corpus = join(packageDir, 'test-data/corpus');
const runs = Number(process.env['WEFT_BENCH_RUNS'] ?? 7);
const smallRuns = Number(process.env['WEFT_BENCH_SMALL_RUNS'] ?? 9);

/** Small trees as users keep them: one build target of each kind of repository in the corpus. */
const smallTrees = [
  'fleet-infra/clusters/production',
  'fleet-infra/apps/production',
  'fleet-infra/infrastructure/controllers',
  'memcached-operator/config/default',
  'memcached-operator/config/rbac',
  'canary-operator/kustomize/istio',
  'shop-platform/overlays/prod-eu',
  'shop-platform/overlays/dev',
  'yaml-scalars/overlays/dev',
  'payments/envs/prod',
  'gatekeeper-style/overlays/audit-only',
  'platform-features/local-config-refs',
];

const kustomize = findKustomizeBinary();
if (kustomize === undefined) {
  console.error('kustomize: the reference kustomize binary is not built (tools/setup.sh)');
  process.exit(1);
}
/** Whether dist/ is missing or older than a source file (the bench runs the built executable). */
function bundleIsStale(): boolean {
  if (!existsSync(bundle)) return true;
  const built = statSync(bundle).mtimeMs;
  return readdirSync(join(packageDir, 'src'), { recursive: true, withFileTypes: true }).some((entry) => entry.isFile() && statSync(join(entry.parentPath, entry.name)).mtimeMs > built);
}
if (bundleIsStale() || !existsSync(join(root, 'packages/merge/dist/index.js'))) {
  console.log('building @weft/merge, @weft/reconcile-core and @weft/kustomize-lite (dist) for the CLI…');
  for (const name of ['merge', 'reconcile-core', 'kustomize-lite']) {
    const result = spawnSync('pnpm', ['--filter', `@weft/${name}`, 'run', 'build'], { cwd: root, stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`building @weft/${name} failed`);
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function timeProcess(command: string, args: string[], env: NodeJS.ProcessEnv): { ms: number; stdout: string } {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return { ms, stdout: result.stdout };
}

/** Runs weft-kustomize and kustomize alternately on a tree: their outputs must be the same bytes first. */
function compareOn(target: string, count: number, env: NodeJS.ProcessEnv): { weft: number; kustomize: number } {
  const weftOutput = timeProcess('node', [cli, 'build', target], env).stdout;
  const kustomizeOutput = timeProcess(kustomize as string, ['build', target], env).stdout;
  if (weftOutput !== kustomizeOutput) throw new Error(`weft-kustomize and kustomize disagree on ${target}`);
  const weftTimes: number[] = [];
  const kustomizeTimes: number[] = [];
  for (let run = 0; run < count; run++) {
    weftTimes.push(timeProcess('node', [cli, 'build', target], env).ms);
    kustomizeTimes.push(timeProcess(kustomize as string, ['build', target], env).ms);
  }
  return { weft: median(weftTimes), kustomize: median(kustomizeTimes) };
}

const format = (ms: number): string => `${ms.toFixed(1)}ms`;

const workspace = mkdtempSync(join(tmpdir(), 'weft-bench-kustomize-'));
/**
 * The CLIs' environment. weft-kustomize's build server gets a folder of its own (started by the
 * first run, stopped at the end). NODE_EXTRA_CA_CERTS is unset: this machine sets it for its
 * proxy, and Node 20 reads and parses that whole file at every start-up (Node 22 and later only
 * when TLS is first used), which no user's `weft-kustomize build` needs; the figures with it are
 * printed too.
 */
const runtime = join(workspace, 'runtime');
const served: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: runtime };
delete served['NODE_EXTRA_CA_CERTS'];
delete served['WEFT_KUSTOMIZE_SERVER'];
const ownProcess: NodeJS.ProcessEnv = { ...served, WEFT_KUSTOMIZE_SERVER: '0' };
const caFile = process.env['NODE_EXTRA_CA_CERTS'];
const stopServer = (): void => void spawnSync('pkill', ['-f', `weft-kustomize-serve ${runtime}`]);

/** Waits (up to 20 s) for the build server the first run started. */
function awaitServer(): void {
  const deadline = Date.now() + 20_000;
  const socketFolder = join(runtime, 'weft-kustomize');
  while (!(existsSync(socketFolder) && readdirSync(socketFolder).some((file) => file.endsWith('.sock')))) {
    if (Date.now() > deadline) throw new Error('the weft-kustomize build server did not start');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
}

try {
  const nodeFloor = median(Array.from({ length: smallRuns }, () => timeProcess('node', ['-e', '0'], served).ms));
  const nodeFloorWithCa = caFile === undefined ? undefined : median(Array.from({ length: smallRuns }, () => timeProcess('node', ['-e', '0'], { ...served, NODE_EXTRA_CA_CERTS: caFile }).ms));

  timeProcess('node', [cli, '--help'], served);
  awaitServer();
  const small = smallTrees.map((tree) => compareOn(join(corpus, tree), smallRuns, served));
  const smallWeft = median(small.map((entry) => entry.weft));
  const smallKustomize = median(small.map((entry) => entry.kustomize));
  console.log(`small trees: ${smallTrees.length} corpus directories, outputs identical; median of each tree's median over ${smallRuns} runs`);
  const smallOwn = smallTrees.map((tree) => compareOn(join(corpus, tree), smallRuns, ownProcess));
  const smallOwnWeft = median(smallOwn.map((entry) => entry.weft));
  const smallOwnKustomize = median(smallOwn.map((entry) => entry.kustomize));
  console.log(`small trees, each run building in its own process (WEFT_KUSTOMIZE_SERVER=0, as a first run does): weft=${format(smallOwnWeft)} baseline=${format(smallOwnKustomize)} ratio=${(smallOwnWeft / smallOwnKustomize).toFixed(2)}`);
  if (caFile !== undefined) {
    const withCa = { ...served, NODE_EXTRA_CA_CERTS: caFile };
    const smallCa = smallTrees.map((tree) => compareOn(join(corpus, tree), Math.ceil(smallRuns / 2), withCa));
    const smallCaWeft = median(smallCa.map((entry) => entry.weft));
    const smallCaKustomize = median(smallCa.map((entry) => entry.kustomize));
    console.log(`small trees with this machine's NODE_EXTRA_CA_CERTS set: weft=${format(smallCaWeft)} baseline=${format(smallCaKustomize)} ratio=${(smallCaWeft / smallCaKustomize).toFixed(2)} (node -e 0 alone: ${format(nodeFloorWithCa as number)})`);
  }

  const target = writeBenchmarkTree(workspace);
  console.log(`large tree: ${treeShape.resources} resources, ${treeShape.overlays} overlay levels, ${treeShape.generators} generators, ${treeShape.patches} patches; outputs identical`);
  const large = compareOn(target, runs, served);
  const largeOwn = compareOn(target, runs, ownProcess);
  console.log(`large tree, each run building in its own process: weft=${format(largeOwn.weft)} baseline=${format(largeOwn.kustomize)} ratio=${(largeOwn.weft / largeOwn.kustomize).toFixed(2)}`);

  for (let run = 0; run < 3; run++) await build(target);
  const warmTimes: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = process.hrtime.bigint();
    await build(target);
    warmTimes.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const warm = median(warmTimes);

  // buildInWorker: what a worker costs a build (issue 14 #5), on a small tree forced into a worker
  // (by default it would stay in process) and on the large tree; cold is a worker of its own
  // (keepWarmMs 0), warm is the worker kept from the build before (the default), as an operator
  // building the same tree every interval has it
  const timeAsync = async (work: () => Promise<unknown>): Promise<number> => {
    const start = process.hrtime.bigint();
    await work();
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const smallTarget = join(corpus, smallTrees[0]!);
  /** Ends the warm worker, if any (a build with keepWarmMs 0 takes it and ends it). */
  const endWarmWorker = () => buildInWorker(smallTarget, { inProcessUpToBytes: 0, keepWarmMs: 0 });
  await endWarmWorker();
  const smallInWorker: number[] = [];
  const smallInProcess: number[] = [];
  const largeColdWorker: number[] = [];
  const largeWarmWorker: number[] = [];
  for (let run = 0; run < runs; run++) {
    await endWarmWorker();
    smallInWorker.push(await timeAsync(() => buildInWorker(smallTarget, { inProcessUpToBytes: 0, keepWarmMs: 0 })));
    smallInProcess.push(await timeAsync(() => build(smallTarget)));
    largeColdWorker.push(await timeAsync(() => buildInWorker(target, { inProcessUpToBytes: 0, keepWarmMs: 0 })));
    await buildInWorker(target, { inProcessUpToBytes: 0 });
    largeWarmWorker.push(await timeAsync(() => buildInWorker(target, { inProcessUpToBytes: 0 })));
  }
  await endWarmWorker();

  console.log(`buildInWorker: small tree (${smallTrees[0]}) ${format(median(smallInWorker))} in a worker of its own vs ${format(median(smallInProcess))} in process (warm); large tree ${format(median(largeColdWorker))} in a worker of its own, ${format(median(largeWarmWorker))} in the warm worker, ${format(warm)} in process (warm)`);
  console.log(`node -e 0 on this machine: ${format(nodeFloor)} (Node's own start-up, the floor under any Node CLI)`);
  console.log('weft-kustomize below: runs answered by its build server, as every run after the first is');
  console.log(`kustomize (small tree, CLI): weft=${format(smallWeft)} baseline=${format(smallKustomize)} (kustomize build) ratio=${(smallWeft / smallKustomize).toFixed(2)}`);
  console.log(`kustomize (in-process warm build): weft=${format(warm)} baseline=${format(large.kustomize)} (kustomize build) ratio=${(warm / large.kustomize).toFixed(2)} (target <= 0.25)`);
  console.log(`kustomize: weft=${format(large.weft)} baseline=${format(large.kustomize)} (kustomize build) ratio=${(large.weft / large.kustomize).toFixed(2)}`);
} finally {
  stopServer();
  rmSync(workspace, { recursive: true, force: true });
}
