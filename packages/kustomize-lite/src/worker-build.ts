import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { BuildOptions, BuiltObject } from './build.js';
import { BuildAbortedError, InputTooLargeError, KustomizeError } from './errors.js';
import type { FsEntry, KustomizeFs } from './file-system.js';
import { reviveError, serializeError, type FsRequest, type FsResponse, type WorkerJob, type WorkerMessage } from './worker-protocol.js';

/** Options of {@link buildInWorker}: those of {@link build}, and the worker's memory limit. */
export interface WorkerBuildOptions extends BuildOptions {
  /**
   * The worker's JavaScript heap limit (V8's old generation), in MiB. A build that needs more
   * fails with {@link InputTooLargeError} instead of growing the process. The file being parsed
   * is held outside this heap as well (its bytes), so a build's resident memory is about this
   * limit plus its largest input file plus ~40 MB for the thread.
   * @defaultValue 384
   */
  readonly maxHeapMb?: number;
}

const defaultMaxHeapMb = 384;

let scriptPath: string | undefined;

/** dist/build-worker.cjs: beside this module once built, or in ../dist when run from the sources (tests). */
function workerScript(): string {
  if (scriptPath !== undefined) return scriptPath;
  for (const candidate of ['./build-worker.cjs', '../dist/build-worker.cjs']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return (scriptPath = path);
  }
  throw new KustomizeError('build-worker.cjs is missing beside @weft/kustomize-lite: build the package first (pnpm build)');
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
 * Builds a kustomization as {@link buildWithSources} does, on a worker thread: the calling thread's
 * event loop stays free however large the input (a 60,000-key ConfigMap, a 50 MB manifest), the
 * build's memory is capped, and aborting stops it at once, even in the middle of a parse.
 *
 * @remarks
 * Guarantees: the same objects, files and errors (same classes, files and messages) as
 * {@link buildWithSources}. Each call starts its own worker (tens of milliseconds; see the
 * package README for figures) and ends it, so a build's memory is returned when it settles; the
 * in-process parse cache is not shared with it. Files are read by the worker itself when
 * `options.fs` is not given (the machine's file system); otherwise each read of `options.fs` runs
 * on the calling thread and its bytes are copied to the worker. Objects come back in batches of
 * about a megabyte, so no single message holds the calling thread for long.
 *
 * @throws The errors of {@link build}; {@link BuildAbortedError} when `options.signal` aborts
 * (the worker is terminated); {@link InputTooLargeError} when the build needs more than
 * `maxHeapMb`; {@link KustomizeError} when the worker cannot start or dies.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * const objects = await buildInWorker('/apps/prod', { fs: artifactFs, signal: controller.signal, maxHeapMb: 256 });
 * ```
 */
export function buildInWorker(path: string, options: WorkerBuildOptions = {}): Promise<BuiltObject[]> {
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(new BuildAbortedError('kustomize build aborted', { cause: signal.reason }));
  const maxHeapMb = options.maxHeapMb ?? defaultMaxHeapMb;
  let script: string;
  try {
    script = workerScript();
  } catch (error) {
    return Promise.reject(error);
  }
  const channel = options.fs === undefined ? undefined : new MessageChannel();
  const job: WorkerJob = {
    path,
    ...(options.loadRestrictor === undefined ? {} : { loadRestrictor: options.loadRestrictor }),
    ...(options.reorder === undefined ? {} : { reorder: options.reorder }),
    ...(options.maxInputBytes === undefined ? {} : { maxInputBytes: options.maxInputBytes }),
    ...(channel === undefined ? {} : { fsPort: channel.port2 }),
  };
  return new Promise<BuiltObject[]>((resolve, reject) => {
    const objects: BuiltObject[] = [];
    let settled = false;
    const worker = new Worker(script, {
      workerData: job,
      transferList: channel === undefined ? [] : [channel.port2],
      resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
      stdout: false,
      stderr: false,
    });
    const finish = (error: Error | undefined): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      channel?.port1.close();
      void worker.terminate();
      if (error === undefined) resolve(objects);
      else reject(error);
    };
    const onAbort = (): void => finish(new BuildAbortedError('kustomize build aborted', { cause: signal?.reason }));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (channel !== undefined) serveFs(options.fs!, channel.port1);
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'objects') {
        for (const entry of message.objects) objects.push(entry);
        // the next batch after timers and I/O have had their turn
        setImmediate(() => {
          if (!settled) worker.postMessage('taken');
        });
      } else if (message.type === 'done') {
        finish(undefined);
      } else {
        finish(reviveError(message.error));
      }
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        finish(
          new InputTooLargeError(`building '${path}' needed more than its ${maxHeapMb} MiB heap (maxHeapMb)`, {
            file: path,
            limit: maxHeapMb * 1024 * 1024,
          }),
        );
      } else {
        finish(new KustomizeError(`the build worker failed: ${error.message}`, { file: path, cause: error }));
      }
    });
    worker.on('exit', (code) => finish(new KustomizeError(`the build worker exited (code ${code}) before it finished`, { file: path })));
  });
}
