import { readdir, readdirSync, readFile, readFileSync, realpath, realpathSync, stat, statSync, type Stats } from 'node:fs';
import { posix, resolve as resolveNative } from 'node:path';

/** What a path is in a {@link KustomizeFs}: a file, a directory, or something else (a named pipe, a socket, a device). */
export interface FsEntry {
  readonly type: 'file' | 'directory' | 'other';
  /** Size in bytes (files only; 0 for directories). */
  readonly size: number;
}

/**
 * The read-only file system a build reads through: a directory, a git artifact or memory.
 *
 * @remarks
 * Paths are absolute and use `/` separators. `realPath` resolves symlinks (the load restrictor
 * checks resolved paths); an implementation without symlinks returns the normalised path.
 * `stat` returns `undefined` for a path that does not exist, and throws for any other failure
 * (permission denied, a symlink loop): those are not "no such file".
 *
 * @example
 * ```ts
 * import { KustomizeFs, memoryFs } from '@weft/kustomize-lite';
 *
 * const fs: KustomizeFs = memoryFs({ '/app/kustomization.yaml': 'resources: [cm.yaml]\n', '/app/cm.yaml': '…' });
 * ```
 */
export interface KustomizeFs {
  readFile(path: string): Promise<Uint8Array>;
  stat(path: string): Promise<FsEntry | undefined>;
  readDir(path: string): Promise<string[]>;
  realPath(path: string): Promise<string>;
}

// The callback forms of node:fs: node:fs/promises loads streams, readline and file watchers,
// which the weft-kustomize executable would pay for at every start.
function settle<T>(start: (done: (error: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => start((error, value) => (error === null ? resolve(value) : reject(error))));
}

/**
 * A {@link KustomizeFs} over the machine's file system.
 *
 * @remarks
 * Relative paths are resolved against the process's working directory. Symlinks are followed by
 * `realPath`; nothing is written.
 *
 * @throws Whatever `node:fs` throws for unreadable files; `stat` reports a missing path (ENOENT,
 * ENOTDIR) as `undefined` and rethrows every other error (EACCES, ELOOP, EIO).
 *
 * @example
 * ```ts
 * import { build, nodeFs } from '@weft/kustomize-lite';
 *
 * const objects = await build('overlays/prod', { fs: nodeFs() });
 * ```
 */
export function nodeFs(): KustomizeFs {
  return {
    async readFile(path) {
      return settle<Buffer>((done) => readFile(path, done));
    },
    async stat(path) {
      let entry: Stats;
      try {
        entry = await settle<Stats>((done) => stat(path, done));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        throw error;
      }
      if (entry.isDirectory()) return { type: 'directory', size: 0 };
      if (entry.isFile()) return { type: 'file', size: entry.size };
      return { type: 'other', size: 0 };
    },
    async readDir(path) {
      return (await settle<string[]>((done) => readdir(path, done))).sort();
    },
    async realPath(path) {
      try {
        // the native form: one system call, where the JavaScript one stats every path component
        return await settle<string>((done) => realpath.native(path, done));
      } catch {
        return resolveNative(path);
      }
    },
  };
}

/**
 * The local file system through node:fs's synchronous calls, behind the same promise-returning
 * {@link KustomizeFs}: for a one-shot command line build, where nothing else runs on the event
 * loop and a thread-pool round trip per file costs more than the read itself.
 *
 * @remarks
 * Blocks the event loop for every call: a long-lived process (a controller, a server) wants
 * {@link nodeFs}.
 */
export function syncNodeFs(): KustomizeFs {
  return {
    async readFile(path) {
      return readFileSync(path);
    },
    async stat(path) {
      let entry: Stats | undefined;
      try {
        entry = statSync(path, { throwIfNoEntry: false });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
        throw error;
      }
      if (entry === undefined) return undefined;
      if (entry.isDirectory()) return { type: 'directory', size: 0 };
      if (entry.isFile()) return { type: 'file', size: entry.size };
      return { type: 'other', size: 0 };
    },
    async readDir(path) {
      return readdirSync(path).sort();
    },
    async realPath(path) {
      try {
        return realpathSync.native(path);
      } catch {
        return resolveNative(path);
      }
    },
  };
}

/**
 * A {@link KustomizeFs} over an in-memory map of absolute path → content.
 *
 * @remarks
 * Directories are implied by the files below them. There are no symlinks. The map is copied, so
 * later changes to it do not show.
 *
 * @throws Error (ENOENT) from `readFile` for a path that is not a file.
 *
 * @example
 * ```ts
 * import { build, memoryFs } from '@weft/kustomize-lite';
 *
 * const fs = memoryFs({ '/app/kustomization.yaml': 'namePrefix: dev-\nresources: [svc.yaml]\n', '/app/svc.yaml': svcYaml });
 * const objects = await build('/app', { fs });
 * ```
 */
export function memoryFs(files: Readonly<Record<string, string | Uint8Array>>): KustomizeFs {
  const contents = new Map<string, Uint8Array>();
  const directories = new Map<string, Set<string>>();
  const encoder = new TextEncoder();
  for (const [rawPath, content] of Object.entries(files)) {
    const path = posix.resolve('/', rawPath);
    contents.set(path, typeof content === 'string' ? encoder.encode(content) : content);
    let child = path;
    let parent = posix.dirname(child);
    while (child !== parent) {
      const entries = directories.get(parent) ?? new Set<string>();
      entries.add(posix.basename(child));
      directories.set(parent, entries);
      child = parent;
      parent = posix.dirname(child);
    }
  }
  return {
    async readFile(path) {
      const content = contents.get(posix.resolve('/', path));
      if (content === undefined) throw Object.assign(new Error(`ENOENT: no such file: ${path}`), { code: 'ENOENT' });
      return content;
    },
    async stat(path) {
      const normalised = posix.resolve('/', path);
      const content = contents.get(normalised);
      if (content !== undefined) return { type: 'file', size: content.byteLength };
      if (directories.has(normalised) || normalised === '/') return { type: 'directory', size: 0 };
      return undefined;
    },
    async readDir(path) {
      return [...(directories.get(posix.resolve('/', path)) ?? [])].sort();
    },
    async realPath(path) {
      return posix.resolve('/', path);
    },
  };
}
