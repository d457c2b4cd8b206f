// kustomize benchmark: the same generated tree built by `weft-kustomize build` and by
// `kustomize build` as processes, and by an in-process warm `build()` call.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { build } from '@weft/kustomize-lite';
import { findKustomizeBinary } from '@weft/testkit';
import { treeShape, writeBenchmarkTree } from './tree.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const packageDir = join(root, 'packages/kustomize-lite');
const cli = join(packageDir, 'dist/weft-kustomize.js');
const runs = Number(process.env['WEFT_BENCH_RUNS'] ?? 7);

const kustomize = findKustomizeBinary();
if (kustomize === undefined) {
  console.error('kustomize: the reference kustomize binary is not built (run `pnpm control-plane`)');
  process.exit(1);
}
if (!existsSync(cli) || !existsSync(join(root, 'packages/merge/dist/index.js'))) {
  console.log('building @weft/merge and @weft/kustomize-lite (dist) for the CLI…');
  for (const name of ['merge', 'kustomize-lite']) {
    const result = spawnSync('pnpm', ['--filter', `@weft/${name}`, 'run', 'build'], { cwd: root, stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`building @weft/${name} failed`);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function timeProcess(command: string, args: string[]): { ms: number; stdout: string } {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return { ms, stdout: result.stdout };
}

function objects(yaml: string): unknown[] {
  return parseAllDocuments(yaml).map((document) => document.toJS() as unknown).filter((value) => value !== null);
}

const workspace = mkdtempSync(join(tmpdir(), 'weft-bench-kustomize-'));
try {
  const target = writeBenchmarkTree(workspace);
  console.log(`tree: ${treeShape.resources} resources, ${treeShape.overlays} overlay levels, ${treeShape.generators} generators, ${treeShape.patches} patches`);

  // Same output first: the benchmark compares equal work.
  const weftOutput = timeProcess('node', [cli, 'build', target]).stdout;
  const kustomizeOutput = timeProcess(kustomize, ['build', target]).stdout;
  const weftObjects = objects(weftOutput);
  if (JSON.stringify(weftObjects) !== JSON.stringify(objects(kustomizeOutput))) throw new Error('weft-kustomize and kustomize disagree on the benchmark tree');
  console.log(`outputs agree: ${weftObjects.length} objects`);

  const cliTimes: number[] = [];
  const kustomizeTimes: number[] = [];
  for (let run = 0; run < runs; run++) {
    cliTimes.push(timeProcess('node', [cli, 'build', target]).ms);
    kustomizeTimes.push(timeProcess(kustomize, ['build', target]).ms);
  }
  for (let run = 0; run < 3; run++) await build(target);
  const warmTimes: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = process.hrtime.bigint();
    await build(target);
    warmTimes.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const cliMs = median(cliTimes);
  const kustomizeMs = median(kustomizeTimes);
  const warmMs = median(warmTimes);
  console.log(`median of ${runs} runs`);
  console.log(`kustomize (in-process warm build): weft=${warmMs.toFixed(1)}ms baseline=${kustomizeMs.toFixed(1)}ms (kustomize build) ratio=${(warmMs / kustomizeMs).toFixed(2)} (target <= 0.25)`);
  console.log(`kustomize: weft=${cliMs.toFixed(1)}ms baseline=${kustomizeMs.toFixed(1)}ms (kustomize build) ratio=${(cliMs / kustomizeMs).toFixed(2)}`);
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
