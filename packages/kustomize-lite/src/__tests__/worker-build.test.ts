// Issue 14 #5: a large YAML file must not freeze the operator. buildInWorker keeps the calling
// thread's event loop free, honours its AbortSignal mid-parse, and caps a build's memory.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { eventually } from '@weft/testkit';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonMap } from '../json.js';
import { ObjectAssembler, piecesOf } from '../object-pieces.js';
import { BuildAbortedError, buildInWorker, buildWithSources, InputTooLargeError, memoryFs, MissingFileError, nodeFs, type KustomizeFs } from '../index.js';
import { buildWorkersStarted } from '../worker-build.js';

/** A ConfigMap with `keys` data keys: the 60,000-key one is the issue's ~650 KB file. */
function configMapWithKeys(keys: number): string {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: big', 'data:'];
  for (let index = 0; index < keys; index++) lines.push(`  key${String(index).padStart(5, '0')}: value`);
  return `${lines.join('\n')}\n`;
}

/**
 * Watches this thread's event loop with a 5 ms timer: the longest stall between two ticks, as
 * wall-clock time and as this thread's own CPU time in it (Linux schedstat). On a loaded machine
 * a stall's wall time includes waiting for a core, which no code can avoid; its CPU time is what
 * this thread ran without letting the timer in: the event loop held.
 */
function watchEventLoop(): () => Promise<{ heldMs: number; stallMs: number; delayMaxMs: number }> {
  const schedstat = (): [number, number] => {
    const [onCpu = 0, waiting = 0] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return [onCpu / 1e6, waiting / 1e6];
  };
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let last = performance.now();
  let [lastCpu] = schedstat();
  let heldMs = 0;
  let stallMs = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    const [cpu] = schedstat();
    heldMs = Math.max(heldMs, cpu - lastCpu);
    stallMs = Math.max(stallMs, now - last);
    last = now;
    lastCpu = cpu;
  }, 5);
  // the last stall is seen by the next tick: a stall that ends in a resolved promise is followed
  // by the awaiting code before any timer runs
  return async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    clearInterval(tick);
    delay.disable();
    return { heldMs, stallMs, delayMaxMs: delay.max / 1e6 };
  };
}

/** The ids of this process's threads (Linux): a worker is one. */
function threadIds(): Set<string> {
  return new Set(readdirSync('/proc/self/task'));
}

const small = memoryFs({
  '/app/kustomization.yaml': 'namePrefix: dev-\nresources: [cm.yaml, svc.yaml]\nconfigMapGenerator:\n  - name: settings\n    literals: [mode=fast]\n',
  '/app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata:\n  mode: "0755"\n',
  '/app/svc.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: [{port: 80}]\n',
  '/broken/kustomization.yaml': 'resources: [gone.yaml]\n',
});

describe('object pieces: how a worker hands objects over a message at a time', () => {
  it('puts any JSON object back together exactly, key order and __proto__ keys included', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.integer({ min: 2, max: 200 }), (object, limit) => {
        const withProto = JSON.parse(`{"__proto__":{"x":1},${JSON.stringify(object).slice(1)}`.replace(',}', '}')) as JsonMap;
        const assembler = new ObjectAssembler();
        for (const piece of piecesOf({ object: withProto, file: 'a.yaml' }, limit)) {
          // a group of entries stays within the limit (plus its commas and brackets) unless it is a single entry
          const entries = piece.merge ? Object.keys(JSON.parse(piece.json) as object).length : 0;
          if (entries > 1) expect(piece.json.length).toBeLessThanOrEqual(limit + entries + 1);
          assembler.add(piece);
        }
        expect(assembler.objects).toHaveLength(1);
        expect(JSON.stringify(assembler.objects[0]!.object)).toBe(JSON.stringify(withProto));
        expect(assembler.objects[0]!.file).toBe('a.yaml');
      }),
    );
  });
});

describe('buildInWorker (issue 14 #5)', () => {
  const root = mkdtempSync(join(tmpdir(), 'weft-kustomize-worker-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const large = join(root, 'large');
  mkdirSync(large);
  writeFileSync(join(large, 'kustomization.yaml'), 'resources: [big.yaml]\n');
  writeFileSync(join(large, 'big.yaml'), configMapWithKeys(60_000));
  const onDisk = join(root, 'small');
  mkdirSync(onDisk);
  writeFileSync(join(onDisk, 'kustomization.yaml'), 'resources: [cm.yaml]\n');
  writeFileSync(join(onDisk, 'cm.yaml'), configMapWithKeys(3));

  it('gives the objects, files and errors of buildWithSources, in a worker and in process', async () => {
    const expected = await buildWithSources('/app', { fs: small });
    expect(await buildInWorker('/app', { fs: small, inProcessUpToBytes: 0 })).toEqual(expected);
    expect(await buildInWorker('/app', { fs: small })).toEqual(expected);
    const inProcess = await buildWithSources('/broken', { fs: small }).catch((error: unknown) => error);
    const inWorker = await buildInWorker('/broken', { fs: small, inProcessUpToBytes: 0 }).catch((error: unknown) => error);
    expect(inProcess).toBeInstanceOf(MissingFileError);
    expect(inWorker).toBeInstanceOf(MissingFileError);
    expect(inWorker).toMatchObject({ message: (inProcess as Error).message, file: (inProcess as MissingFileError).file });
  });

  it('builds the 60,000-key ConfigMap without holding the event loop for more than 100 ms', async () => {
    // the worker's entry is ready (bundled from the sources, when the tests run from them)
    await buildInWorker('/app', { fs: small, inProcessUpToBytes: 0 });
    const stop = watchEventLoop();
    const [built] = await buildInWorker(large);
    const loop = await stop();
    console.log(
      `[worker-build] 60,000 keys: event loop held at most ${loop.heldMs.toFixed(1)} ms (CPU); longest stall ${loop.stallMs.toFixed(1)} ms wall, monitorEventLoopDelay max ${loop.delayMaxMs.toFixed(1)} ms`,
    );
    expect(Object.keys(built!.object['data'] as object)).toHaveLength(60_000);
    expect(built!.file).toBe('big.yaml');
    // the same build in process holds it for 0.3 s (warm) to 4 s (cold)
    expect(loop.heldMs).toBeLessThan(100);
  });

  it('rejects with BuildAbortedError as soon as its signal aborts mid-build, and ends the worker', async () => {
    // from the disk, so libuv's thread pool is started before the threads are counted; keepWarmMs 0
    // ends the warm worker too, so the build below starts a worker of its own
    await buildInWorker(onDisk, { inProcessUpToBytes: 0, keepWarmMs: 0 });
    const before = threadIds();
    const started = (): boolean => [...threadIds()].some((id) => !before.has(id));
    const controller = new AbortController();
    const building = buildInWorker(large, { signal: controller.signal });
    const outcome = building.catch((error: unknown) => error);
    await eventually('the worker has started', started, { intervalMs: 5 });
    // well inside the parse of big.yaml (which takes seconds on a fresh worker)
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort(new Error('superseded'));
    const aborted = performance.now();
    const error = await outcome;
    expect(performance.now() - aborted).toBeLessThan(1000);
    expect(error).toBeInstanceOf(BuildAbortedError);
    expect((error as Error).cause).toEqual(new Error('superseded'));
    await eventually('the worker is gone', () => !started(), { timeoutMs: 5000, intervalMs: 10 });
  });

  it('keeps a worker warm for the next build (one at most, for keepWarmMs), ends it after an abort, and starts another for another heap limit', async () => {
    const expected = await buildWithSources('/app', { fs: small });
    await buildInWorker('/app', { fs: small, inProcessUpToBytes: 0 });
    const first = buildWorkersStarted();
    // the next builds, build errors included, go to the warm worker
    expect(await buildInWorker('/app', { fs: small, inProcessUpToBytes: 0 })).toEqual(expected);
    expect(await buildInWorker('/broken', { fs: small, inProcessUpToBytes: 0 }).catch((error: unknown) => error)).toBeInstanceOf(MissingFileError);
    expect(await buildInWorker(onDisk, { inProcessUpToBytes: 0 })).toHaveLength(1);
    expect(buildWorkersStarted()).toBe(first);
    // two at once: the second starts its own; afterwards one of them stays warm
    await Promise.all([buildInWorker('/app', { fs: small, inProcessUpToBytes: 0 }), buildInWorker('/app', { fs: small, inProcessUpToBytes: 0 })]);
    expect(buildWorkersStarted()).toBe(first + 1);
    await buildInWorker('/app', { fs: small, inProcessUpToBytes: 0 });
    expect(buildWorkersStarted()).toBe(first + 1);
    // another heap limit is another worker
    await buildInWorker('/app', { fs: small, inProcessUpToBytes: 0, maxHeapMb: 200 });
    expect(buildWorkersStarted()).toBe(first + 2);
    // an aborted build's worker is ended, not kept: aborted once the worker (the warm one) asks for
    // big.yaml, the second read of it (the first is the calling thread's, which finds it too large)
    const controller = new AbortController();
    let bigReads = 0;
    const disk = nodeFs();
    const watched: KustomizeFs = {
      ...disk,
      readFile: (path) => {
        if (path.endsWith('big.yaml') && ++bigReads === 2) setImmediate(() => controller.abort());
        return disk.readFile(path);
      },
    };
    const aborted = buildInWorker(large, { fs: watched, signal: controller.signal, maxHeapMb: 200 }).catch((error: unknown) => error);
    expect(await aborted).toBeInstanceOf(BuildAbortedError);
    expect(bigReads).toBe(2);
    expect(buildWorkersStarted()).toBe(first + 2);
    await buildInWorker('/app', { fs: small, inProcessUpToBytes: 0, maxHeapMb: 200 });
    expect(buildWorkersStarted()).toBe(first + 3);
    // keepWarmMs elapsed: the worker is gone, the next build starts one
    await buildInWorker('/app', { fs: small, inProcessUpToBytes: 0, maxHeapMb: 200, keepWarmMs: 1 });
    expect(buildWorkersStarted()).toBe(first + 3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await buildInWorker('/app', { fs: small, inProcessUpToBytes: 0, maxHeapMb: 200, keepWarmMs: 0 });
    expect(buildWorkersStarted()).toBe(first + 4);
  });

  it('a warm worker does not keep the process alive', () => {
    // a process whose only work left is the warm worker exits at once, not after keepWarmMs
    const script = `
      const { buildInWorker, memoryFs } = await import(${JSON.stringify(new URL('../index.ts', import.meta.url).href)});
      await buildInWorker('/app', { fs: memoryFs({ '/app/kustomization.yaml': 'resources: []\\n' }), inProcessUpToBytes: 0, keepWarmMs: 600000 });
      console.log('built');
    `;
    const file = join(root, 'warm-exit.mjs');
    writeFileSync(file, script);
    const started = performance.now();
    const output = execFileSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', cwd: fileURLToPath(new URL('../..', import.meta.url)), timeout: 120_000 });
    expect(output.trim()).toBe('built');
    expect(performance.now() - started).toBeLessThan(60_000);
  });

  it('fails with InputTooLargeError naming the file when the build outgrows its heap, and the process carries on', async () => {
    const huge = join(root, 'huge');
    mkdirSync(huge);
    writeFileSync(join(huge, 'kustomization.yaml'), 'resources: [small.yaml, huge.yaml]\n');
    writeFileSync(join(huge, 'small.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n');
    writeFileSync(join(huge, 'huge.yaml'), configMapWithKeys(400_000));
    const error = await buildInWorker(huge, { maxHeapMb: 24 }).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(InputTooLargeError);
    expect(error).toMatchObject({ file: join(huge, 'huge.yaml'), limit: 24 * 1024 * 1024 });
    expect((error as Error).message).toContain(`reading '${join(huge, 'huge.yaml')}' needed more than the build's 24 MiB heap`);
    expect(await buildInWorker('/app', { fs: small, inProcessUpToBytes: 0 })).toHaveLength(3);
  });
});
