// The entry of the worker thread behind buildInWorker (bundled as dist/build-worker.cjs): it builds
// one kustomization and posts the objects back in batches of about a megabyte, each after the
// parent has taken in the one before: a port delivers every queued message in one turn of the
// parent's event loop, which for a 50 MB manifest held it for 1.4 s.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { buildWithSources, type BuiltObject } from './build.js';
import { nodeFs, type KustomizeFs } from './file-system.js';
import { serializeError, type FsRequest, type FsResponse, type WorkerJob, type WorkerMessage } from './worker-protocol.js';

const batchChars = 1024 * 1024;
const batchObjects = 1000;

/** A {@link KustomizeFs} whose calls the parent answers over `port`. */
function remoteFs(port: MessagePort): KustomizeFs {
  let next = 0;
  const pending = new Map<number, { resolve: (value: never) => void; reject: (error: unknown) => void }>();
  port.on('message', (response: FsResponse) => {
    const waiting = pending.get(response.id);
    if (waiting === undefined) return;
    pending.delete(response.id);
    if ('error' in response) {
      const { name, message, code } = response.error;
      waiting.reject(Object.assign(new Error(message), { name, ...(code === undefined ? {} : { code }) }));
    } else {
      waiting.resolve(response.value as never);
    }
  });
  const call = <T>(op: FsRequest['op'], path: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (value: never) => void, reject });
      port.postMessage({ id, op, path } satisfies FsRequest);
    });
  return {
    readFile: (path) => call('readFile', path),
    stat: (path) => call('stat', path),
    readDir: (path) => call('readDir', path),
    realPath: (path) => call('realPath', path),
  };
}

async function run(job: WorkerJob, post: (message: WorkerMessage) => void, taken: () => Promise<void>): Promise<void> {
  const port = job.fsPort as MessagePort | undefined;
  try {
    const built = await buildWithSources(job.path, {
      fs: port === undefined ? nodeFs() : remoteFs(port),
      ...(job.loadRestrictor === undefined ? {} : { loadRestrictor: job.loadRestrictor }),
      ...(job.reorder === undefined ? {} : { reorder: job.reorder }),
      ...(job.maxInputBytes === undefined ? {} : { maxInputBytes: job.maxInputBytes }),
    });
    let batch: BuiltObject[] = [];
    let chars = 0;
    for (let index = 0; index < built.length; index++) {
      const entry = built[index]!;
      batch.push(entry);
      chars += JSON.stringify(entry.object).length;
      // dropped as it is sent, so the worker does not hold the output twice
      built[index] = undefined as never;
      if (chars >= batchChars || batch.length >= batchObjects) {
        post({ type: 'objects', objects: batch });
        await taken();
        batch = [];
        chars = 0;
      }
    }
    if (batch.length > 0) post({ type: 'objects', objects: batch });
    post({ type: 'done', count: built.length });
  } catch (error) {
    post({ type: 'error', error: serializeError(error) });
  } finally {
    port?.close();
  }
}

if (parentPort !== null) {
  const parent = parentPort;
  // the parent answers each batch with 'taken'
  let release: (() => void) | undefined;
  parent.on('message', () => release?.());
  const taken = (): Promise<void> =>
    new Promise<void>((resolve) => {
      release = resolve;
    });
  void run(workerData as WorkerJob, (message) => parent.postMessage(message), taken);
}
