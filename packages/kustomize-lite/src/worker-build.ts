import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { buildWithSources, type BuildOptions, type BuiltObject } from './build.js';
import { BuildAbortedError, InputTooLargeError, KustomizeError } from './errors.js';
import { nodeFs, type FsEntry, type KustomizeFs } from './file-system.js';
import { ObjectAssembler } from './object-pieces.js';
import { reviveError, serializeError, type FsRequest, type FsResponse, type ParentMessage, type WorkerJob, type WorkerMessage } from './worker-protocol.js';

/** Options of {@link buildInWorker}: those of {@link build}, the worker's memory limit, and which builds stay in process. */
export interface WorkerBuildOptions extends BuildOptions {
  /**
   * The worker's JavaScript heap limit (V8's old generation), in MiB. A build that needs more
   * fails with {@link InputTooLargeError} naming the file it was reading, instead of growing the
   * process. The file being parsed is held outside this heap as well (its bytes), so a build's
   * resident memory is about this limit plus its largest input file plus ~40 MB for the thread.
   * @defaultValue 384
   */
  readonly maxHeapMb?: number;
  /**
   * A build whose files add up to at most this many bytes runs on the calling thread, where it
   * takes a few milliseconds (starting a worker costs more than the build); the first read that
   * passes it sends the whole build to a worker before that file is parsed. `0`: every build
   * runs in a worker.
   * @defaultValue 131072 (128 KiB: about 60 ms of parsing on a cold, loaded machine)
   */
  readonly inProcessUpToBytes?: number;
  /**
   * How long a worker that finished a build waits for the next one before it ends. A warm worker
   * builds about as fast as the calling thread does once warm; a cold one pays its start and a
   * cold V8 (5.0 s against 0.84 s for a 500-resource tree). One worker is kept at most, and it
   * never keeps the process alive; `0` ends each worker with its build.
   * @defaultValue 10000
   */
  readonly keepWarmMs?: number;
}

const defaultMaxHeapMb = 384;
const defaultKeepWarmMs = 10_000;
const defaultInProcessUpToBytes = 128 * 1024;

/** How a worker is started: a script file, or (from the sources) a bundled script's text. */
type WorkerEntry = { readonly file: string } | { readonly code: string };

let entry: Promise<WorkerEntry> | undefined;

/**
 * dist/build-worker.cjs beside this module once built (the published package); from the
 * TypeScript sources (vitest, tsx in the monorepo), src/build-worker.ts bundled on first use.
 */
function workerEntry(): Promise<WorkerEntry> {
  entry ??= (async (): Promise<WorkerEntry> => {
    if (import.meta.url.endsWith('.ts')) {
      // a specifier the package's bundler does not follow, outside src/: dist never loads esbuild
      const fromSource = '../dev/worker-bundle-from-source.ts';
      const { bundleBuildWorkerFromSource: bundle } = (await import(fromSource)) as { bundleBuildWorkerFromSource: () => Promise<string> };
      return { code: await bundle() };
    }
    const file = fileURLToPath(new URL('./build-worker.cjs', import.meta.url));
    if (!existsSync(file)) throw new KustomizeError(`build-worker.cjs is missing beside @weft/kustomize-lite (${file}): build the package first (pnpm build)`);
    return { file };
  })();
  entry.catch(() => {
    entry = undefined;
  });
  return entry;
}

/** Thrown by the in-process attempt's file system when the input outgrows it; never escapes. */
const outgrown = Symbol('outgrown');

/**
 * The build on this thread while its files add up to at most `limit` bytes; `undefined` as soon
 * as a read passes it (that file is not parsed here).
 */
async function buildSmallInProcess(path: string, options: WorkerBuildOptions, limit: number): Promise<BuiltObject[] | undefined> {
  const fs = options.fs ?? nodeFs();
  let bytes = 0;
  let tooLarge = false;
  const counting: KustomizeFs = {
    async readFile(file) {
      const content = await fs.readFile(file);
      bytes += content.byteLength;
      if (bytes > limit) {
        tooLarge = true;
        throw outgrown;
      }
      return content;
    },
    stat: (file) => fs.stat(file),
    readDir: (file) => fs.readDir(file),
    realPath: (file) => fs.realPath(file),
  };
  try {
    return await buildWithSources(path, { ...options, fs: counting });
  } catch (error) {
    // the build wraps what the file system throws: the flag, not the error, says why it stopped
    if (tooLarge) return undefined;
    throw error;
  }
}

type FsValue = Uint8Array | FsEntry | undefined | string[] | string;

/** Answers the worker's file-system calls from `fs`, on this thread. */
function serveFs(fs: KustomizeFs, port: MessageChannel['port1']): void {
  port.on('message', (request: FsRequest) => {
    const reply = (response: FsResponse): void => {
      try {
        port.postMessage(response);
      } catch {
        // the worker is gone (aborted, finished): nobody waits for the answer
      }
    };
    Promise.resolve()
      .then((): Promise<FsValue> => fs[request.op](request.path))
      .then(
        (value) => reply({ id: request.id, value }),
        (error: unknown) => reply({ id: request.id, error: serializeError(error) }),
      );
  });
}

/**
 * Builds a kustomization as {@link buildWithSources} does, without holding the calling thread:
 * a large input (a 60,000-key ConfigMap, a 50 MB manifest) is built on a worker thread with a
 * capped heap, and aborting stops it at once, even in the middle of a parse.
 *
 * @remarks
 * Guarantees: the same objects, files and errors (same classes, files and messages) as
 * {@link buildWithSources}. The calling thread never parses more than `inProcessUpToBytes` of
 * input (default 128 KiB), so it is not held for more than tens of milliseconds by a build;
 * larger builds run in a worker. The worker that finished a build stays warm for the next one
 * for `keepWarmMs` (default 10 s; one at most, never keeping the process alive), then ends and
 * its memory is returned; an aborted build's, or one that ran out of heap, ends at once. Objects
 * come back as pieces of JSON text, about 32 KB per turn of the calling thread's event loop (a
 * string longer than that arrives whole).
 *
 * Caveats: a new worker costs its start (about 100 ms of CPU, on its own thread) and a cold V8,
 * and does not share the calling thread's parse cache (a warm worker has its own). When `options.fs` is given, each of the worker's reads runs on the
 * calling thread and its bytes are copied to the worker; without it, the worker reads the
 * machine's file system itself.
 *
 * @throws The errors of {@link build}; {@link BuildAbortedError} when `options.signal` aborts
 * (the worker is terminated); {@link InputTooLargeError} naming the file being read when the
 * build needs more than `maxHeapMb`; {@link KustomizeError} when the worker cannot start or dies.
 *
 * @example
 * ```ts
 * import { buildInWorker, memoryFs } from '@weft/kustomize-lite';
 *
 * const controller = new AbortController();
 * const objects = await buildInWorker('/apps/prod', { fs: memoryFs({ '/apps/prod/kustomization.yaml': 'resources: []\n' }), signal: controller.signal, maxHeapMb: 256 });
 * ```
 */
export async function buildInWorker(path: string, options: WorkerBuildOptions = {}): Promise<BuiltObject[]> {
  const signal = options.signal;
  if (signal?.aborted) throw new BuildAbortedError('kustomize build aborted', { cause: signal.reason });
  const small = await buildSmallInProcess(path, options, options.inProcessUpToBytes ?? defaultInProcessUpToBytes);
  if (small !== undefined) return small;
  const started = await untilAborted(workerEntry(), signal);
  return runWorker(started, path, options);
}

/** `work`, or {@link BuildAbortedError} as soon as `signal` aborts (bundling the worker from the sources takes seconds). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new BuildAbortedError('kustomize build aborted', { cause: signal.reason }));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** A worker kept after a build for the next one: at most one, with the heap limit it was started with. */
interface WarmWorker {
  readonly worker: Worker;
  readonly maxHeapMb: number;
  readonly timer: NodeJS.Timeout;
}

let warm: WarmWorker | undefined;
let workersStarted = 0;

/** How many build workers this module has started (tests see whether one was reused). */
export function buildWorkersStarted(): number {
  return workersStarted;
}

/** The warm worker, if it has the heap limit asked for; it is no longer warm once taken. */
function takeWarm(maxHeapMb: number): Worker | undefined {
  if (warm === undefined || warm.maxHeapMb !== maxHeapMb) return undefined;
  const { worker, timer } = warm;
  clearTimeout(timer);
  warm = undefined;
  worker.ref();
  return worker;
}

/**
 * Keeps a worker that finished a build for `keepWarmMs`, unreferenced (it never keeps the
 * process alive), then ends it; a worker kept before is ended now.
 */
function keepWarm(worker: Worker, maxHeapMb: number, keepWarmMs: number): void {
  if (warm !== undefined) {
    clearTimeout(warm.timer);
    void warm.worker.terminate();
    warm = undefined;
  }
  if (!(keepWarmMs > 0)) {
    void worker.terminate();
    return;
  }
  worker.unref();
  const timer = setTimeout(() => {
    if (warm?.worker === worker) warm = undefined;
    void worker.terminate();
  }, Math.min(keepWarmMs, 2 ** 31 - 1));
  timer.unref();
  warm = { worker, maxHeapMb, timer };
}

function startWorker(started: WorkerEntry, job: WorkerJob, transferList: MessagePort[], maxHeapMb: number): Worker {
  workersStarted++;
  const worker = new Worker('file' in started ? started.file : started.code, {
    eval: 'code' in started,
    workerData: job,
    transferList,
    resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
    stdout: false,
    stderr: false,
  });
  // while warm, nobody else listens: a warm worker that fails or exits is just forgotten
  worker.on('error', () => undefined);
  worker.once('exit', () => {
    if (warm?.worker !== worker) return;
    clearTimeout(warm.timer);
    warm = undefined;
  });
  return worker;
}

function runWorker(started: WorkerEntry, path: string, options: WorkerBuildOptions): Promise<BuiltObject[]> {
  const signal = options.signal;
  const maxHeapMb = options.maxHeapMb ?? defaultMaxHeapMb;
  const keepWarmMs = options.keepWarmMs ?? defaultKeepWarmMs;
  const channel = options.fs === undefined ? undefined : new MessageChannel();
  const job: WorkerJob = {
    path,
    ...(options.loadRestrictor === undefined ? {} : { loadRestrictor: options.loadRestrictor }),
    ...(options.reorder === undefined ? {} : { reorder: options.reorder }),
    ...(options.maxInputBytes === undefined ? {} : { maxInputBytes: options.maxInputBytes }),
    ...(channel === undefined ? {} : { fsPort: channel.port2 }),
  };
  const transferList = channel === undefined ? [] : [channel.port2];
  return new Promise<BuiltObject[]>((resolve, reject) => {
    const assembler = new ObjectAssembler();
    // the file the worker read last: the one it was parsing when it ran out of heap
    let reading = path;
    let settled = false;
    let worker = takeWarm(maxHeapMb);
    if (worker === undefined) worker = startWorker(started, job, transferList, maxHeapMb);
    else worker.postMessage({ type: 'job', job } satisfies ParentMessage, transferList);
    const running = worker;
    /** `reuse`: the worker finished its job and can take another (a build error is such an ending too). */
    const finish = (error: Error | undefined, reuse = false): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      channel?.port1.close();
      running.off('message', onMessage);
      running.off('error', onError);
      running.off('exit', onExit);
      if (reuse) keepWarm(running, maxHeapMb, keepWarmMs);
      else void running.terminate();
      if (error === undefined) resolve(assembler.objects);
      else reject(error);
    };
    const onAbort = (): void => finish(new BuildAbortedError('kustomize build aborted', { cause: signal?.reason }));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (channel !== undefined) serveFs(options.fs!, channel.port1);
    const onMessage = (message: WorkerMessage): void => {
      if (message.type === 'reading') {
        reading = message.file;
      } else if (message.type === 'pieces') {
        for (const piece of message.pieces) assembler.add(piece);
        // the next batch after timers and I/O have had their turn
        setImmediate(() => {
          if (!settled) running.postMessage('taken' satisfies ParentMessage);
        });
      } else if (message.type === 'done') {
        finish(undefined, true);
      } else {
        finish(reviveError(message.error), true);
      }
    };
    const onError = (error: Error & { code?: string }): void => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        finish(
          new InputTooLargeError(`building '${path}': reading '${reading}' needed more than the build's ${maxHeapMb} MiB heap (maxHeapMb)`, {
            file: reading,
            limit: maxHeapMb * 1024 * 1024,
          }),
        );
      } else {
        finish(new KustomizeError(`the build worker failed: ${error.message}`, { file: path, cause: error }));
      }
    };
    const onExit = (code: number): void => finish(new KustomizeError(`the build worker exited (code ${code}) before it finished`, { file: path }));
    running.on('message', onMessage);
    running.on('error', onError);
    running.on('exit', onExit);
  });
}
