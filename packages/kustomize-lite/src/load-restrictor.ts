import { posix } from 'node:path';
import type { KustomizeFs } from './file-system.js';
import { BuildAbortedError, CycleError, InputTooLargeError, LoadRestrictionError, MissingFileError } from './errors.js';

/** kustomize's `--load-restrictor` values: files only below the kustomization root, or anywhere. */
export type LoadRestrictor = 'LoadRestrictionsRootOnly' | 'LoadRestrictionsNone';

/** State shared by every loader of one build: the file system, limits and cancellation. */
export interface LoadSession {
  readonly fs: KustomizeFs;
  readonly restrictor: LoadRestrictor;
  readonly maxInputBytes: number;
  readonly signal: AbortSignal | undefined;
  /** Bytes read so far in this build (bounded by `maxInputBytes`). */
  bytesRead: number;
  /** The directory the build started from; error messages show paths relative to it. */
  readonly buildRoot: string;
}

/** A file read through a {@link Loader}: its resolved path and text. */
export interface LoadedFile {
  readonly path: string;
  readonly text: string;
  readonly bytes: Uint8Array;
}

const decoder = new TextDecoder();

/**
 * Reads files relative to one kustomization root, refusing what the load restrictor forbids, and
 * opens child roots with cycle detection (each loader knows the roots above it).
 */
export class Loader {
  private constructor(
    readonly session: LoadSession,
    /** The root directory, symlinks resolved. */
    readonly root: string,
    private readonly ancestors: readonly string[],
  ) {}

  /** The loader of the build's top directory. */
  static async open(session: LoadSession, directory: string, shownAs: string = directory): Promise<Loader> {
    const absolute = posix.resolve(directory);
    const entry = await session.fs.stat(absolute);
    if (entry === undefined) {
      throw new MissingFileError(`must build at directory: not a valid directory: evalsymlink failure on '${shownAs}' : lstat ${absolute}: no such file or directory`, { file: shownAs });
    }
    if (entry.type !== 'directory') {
      throw new MissingFileError(`must build at directory: not a valid directory: '${shownAs}' is a file`, { file: shownAs });
    }
    return new Loader(session, await session.fs.realPath(absolute), []);
  }

  /** Throws {@link BuildAbortedError} when the build's signal has fired. */
  checkAborted(): void {
    if (this.session.signal?.aborted) throw new BuildAbortedError('kustomize build aborted', { cause: this.session.signal.reason });
  }

  /** A path as error messages show it: relative to the directory the build started from. */
  display(path: string): string {
    const relative = posix.relative(this.session.buildRoot, path);
    return relative === '' ? '.' : relative;
  }

  /** Resolves `relative` against the root (absolute paths stay as they are). */
  resolve(relative: string): string {
    return posix.resolve(this.root, relative);
  }

  /** What `relative` is: a file, a directory, or nothing. */
  async classify(relative: string): Promise<'file' | 'directory' | 'missing'> {
    const entry = await this.session.fs.stat(this.resolve(relative));
    return entry?.type ?? 'missing';
  }

  /**
   * Reads a file under the root (anywhere when the restrictor is `LoadRestrictionsNone`).
   *
   * @throws LoadRestrictionError for a path outside the root, MissingFileError for a missing
   * file, InputTooLargeError past the byte limit.
   */
  async readFile(relative: string): Promise<LoadedFile> {
    this.checkAborted();
    const path = this.resolve(relative);
    const entry = await this.session.fs.stat(path);
    if (entry === undefined) {
      throw new MissingFileError(`'${path}' doesn't exist`, { file: this.display(path) });
    }
    if (entry.type !== 'file') throw new MissingFileError(`'${path}' is a directory, not a file`, { file: this.display(path) });
    const real = await this.session.fs.realPath(path);
    if (this.session.restrictor === 'LoadRestrictionsRootOnly' && !isWithin(real, this.root)) {
      throw new LoadRestrictionError(`security; file '${real}' is not in or below '${this.root}'`, { file: this.display(path) });
    }
    if (this.session.bytesRead + entry.size > this.session.maxInputBytes) {
      throw new InputTooLargeError(
        `reading '${this.display(path)}' (${entry.size} bytes) would exceed the input limit of ${this.session.maxInputBytes} bytes`,
        { file: this.display(path), limit: this.session.maxInputBytes },
      );
    }
    this.session.bytesRead += entry.size;
    const bytes = await this.session.fs.readFile(real);
    return { path, text: decoder.decode(bytes), bytes };
  }

  /**
   * A loader for a sub-directory (a base, an overlay's resource directory or a component).
   *
   * @throws CycleError when the directory is this root or one above it in the chain.
   */
  async child(relative: string): Promise<Loader> {
    const path = this.resolve(relative);
    const real = await this.session.fs.realPath(path);
    const chain = [...this.ancestors, this.root];
    for (const visited of chain) {
      if (isWithin(visited, real)) {
        throw new CycleError(`cycle detected: candidate root '${real}' contains visited root '${visited}'`, { file: this.display(path) });
      }
    }
    return new Loader(this.session, real, chain);
  }
}

function isWithin(path: string, directory: string): boolean {
  if (path === directory) return true;
  const prefix = directory.endsWith('/') ? directory : `${directory}/`;
  return path.startsWith(prefix);
}
