// The entry of the worker thread behind buildInWorker (bundled as dist/build-worker.cjs): it builds
// a kustomization (its first job comes as workerData, later ones as 'job' messages while the parent
// keeps it warm) and posts the objects back as JSON pieces (object-pieces.ts) in messages of about
// 32 KB, each after the parent has taken in the one before: a port delivers every queued message in
// one turn of the parent's event loop, which for a 50 MB manifest held it for 1.4 s.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { buildWithSources } from './build.js';
import { nodeFs, type KustomizeFs } from './file-system.js';
import { piecesOf, type ObjectPiece } from './object-pieces.js';
import { serializeError, type FsRequest, type FsResponse, type ParentMessage, type WorkerJob, type WorkerMessage } from './worker-protocol.js';

// a message's JSON text: parsed by the calling thread in one turn of its event loop
const batchChars = 32 * 1024;
const pieceChars = 16 * 1024;

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

/** `fs`, telling the parent which file it reads (the one to name if the heap runs out while it is parsed). */
function announcingReads(fs: KustomizeFs, post: (message: WorkerMessage) => void): KustomizeFs {
  return {
    readFile(path) {
      post({ type: 'reading', file: path });
      return fs.readFile(path);
    },
    stat: (path) => fs.stat(path),
    readDir: (path) => fs.readDir(path),
    realPath: (path) => fs.realPath(path),
  };
}

async function run(job: WorkerJob, post: (message: WorkerMessage) => void, taken: () => Promise<void>): Promise<void> {
  const port = job.fsPort as MessagePort | undefined;
  try {
    const built = await buildWithSources(job.path, {
      fs: announcingReads(port === undefined ? nodeFs() : remoteFs(port), post),
      ...(job.loadRestrictor === undefined ? {} : { loadRestrictor: job.loadRestrictor }),
      ...(job.reorder === undefined ? {} : { reorder: job.reorder }),
      ...(job.maxInputBytes === undefined ? {} : { maxInputBytes: job.maxInputBytes }),
    });
    let batch: ObjectPiece[] = [];
    let chars = 0;
    for (let index = 0; index < built.length; index++) {
      const entry = built[index]!;
      // dropped as it is sent, so the worker does not hold the output twice
      built[index] = undefined as never;
      for (const piece of piecesOf(entry, pieceChars)) {
        batch.push(piece);
        chars += piece.json.length;
        if (chars >= batchChars) {
          post({ type: 'pieces', pieces: batch });
          await taken();
          batch = [];
          chars = 0;
        }
      }
    }
    if (batch.length > 0) post({ type: 'pieces', pieces: batch });
    post({ type: 'done', count: built.length });
  } catch (error) {
    post({ type: 'error', error: serializeError(error) });
  } finally {
    port?.close();
  }
}

if (parentPort !== null) {
  const parent = parentPort;
  // the parent answers each batch with 'taken', and sends the next job once this one is done
  let release: (() => void) | undefined;
  const post = (message: WorkerMessage): void => parent.postMessage(message);
  const taken = (): Promise<void> =>
    new Promise<void>((resolve) => {
      release = resolve;
    });
  parent.on('message', (message: ParentMessage) => {
    if (message === 'taken') release?.();
    else void run(message.job, post, taken);
  });
  void run(workerData as WorkerJob, post, taken);
}
