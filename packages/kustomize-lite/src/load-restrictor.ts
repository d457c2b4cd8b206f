import { posix } from 'node:path';
import type { FsEntry, KustomizeFs } from './file-system.js';
import { BuildAbortedError, CycleError, InputTooLargeError, LoadRestrictionError, MissingFileError, UnreadableFileError, YamlSyntaxError } from './errors.js';

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

/** A file read through a {@link Loader}: its resolved path, its bytes, and its text. */
export interface LoadedFile {
  readonly path: string;
  /**
   * The bytes as UTF-8 text (a leading byte order mark dropped).
   *
   * @throws YamlSyntaxError naming the file and line when the bytes are not valid UTF-8, as
   * kustomize's YAML reader refuses them (generators read `bytes` instead).
   */
  readonly text: string;
  readonly bytes: Uint8Array;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let index = 0; index < bytes.length; ) {
    const lead = bytes[index] as number;
    const [length, min, max] = lead < 0x80 ? [1, 0, 0] : lead >= 0xc2 && lead <= 0xdf ? [2, 0x80, 0xbf] : lead === 0xe0 ? [3, 0xa0, 0xbf] : lead === 0xed ? [3, 0x80, 0x9f] : lead >= 0xe1 && lead <= 0xef ? [3, 0x80, 0xbf] : lead === 0xf0 ? [4, 0x90, 0xbf] : lead === 0xf4 ? [4, 0x80, 0x8f] : lead >= 0xf1 && lead <= 0xf3 ? [4, 0x80, 0xbf] : [0, 0, 0];
    if (length === 0) return index;
    for (let next = 1; next < length; next++) {
      const byte = bytes[index + next];
      if (byte === undefined || byte < (next === 1 ? min : 0x80) || byte > (next === 1 ? max : 0xbf)) return index;
    }
    index += length;
  }
  return -1;
}

function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    const offset = Math.max(0, firstInvalidUtf8(bytes));
    let line = 1;
    for (let index = 0; index < offset; index++) if (bytes[index] === 0x0a) line++;
    throw new YamlSyntaxError(`${file}:${line}: invalid YAML: invalid UTF-8 at byte ${offset} (the file is not UTF-8 text)`, { file, line });
  }
}

function statError(error: unknown, file: string): UnreadableFileError {
  const code = (error as NodeJS.ErrnoException).code;
  return new UnreadableFileError(`${file}: cannot read: ${(error as Error).message}`, { file, ...(code === undefined ? {} : { code }), cause: error });
}

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
    const entry = await statOf(session.fs, absolute, shownAs);
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

  /**
   * What `relative` is: a file, a directory, or nothing.
   *
   * @throws UnreadableFileError for a named pipe, socket or device, or when the file system
   * refuses to look (permission denied, a symlink loop).
   */
  async classify(relative: string): Promise<'file' | 'directory' | 'missing'> {
    const path = this.resolve(relative);
    const entry = await statOf(this.session.fs, path, this.display(path));
    if (entry?.type === 'other') throw notRegular(this.display(path));
    return entry?.type ?? 'missing';
  }

  /**
   * The names in the root directory, sorted.
   *
   * @throws UnreadableFileError when the directory cannot be listed.
   */
  async listRoot(): Promise<string[]> {
    try {
      return await this.session.fs.readDir(this.root);
    } catch (error) {
      throw statError(error, this.display(this.root));
    }
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
    const entry = await statOf(this.session.fs, path, this.display(path));
    if (entry === undefined) {
      throw new MissingFileError(`'${path}' doesn't exist`, { file: this.display(path) });
    }
    if (entry.type === 'other') throw notRegular(this.display(path));
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
    let bytes: Uint8Array;
    try {
      bytes = await this.session.fs.readFile(real);
    } catch (error) {
      throw statError(error, this.display(path));
    }
    const display = this.display(path);
    let text: string | undefined;
    return {
      path,
      bytes,
      get text(): string {
        text ??= decodeUtf8(bytes, display);
        return text;
      },
    };
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

async function statOf(fs: KustomizeFs, path: string, shownAs: string): Promise<FsEntry | undefined> {
  try {
    return await fs.stat(path);
  } catch (error) {
    throw statError(error, shownAs);
  }
}

function notRegular(file: string): UnreadableFileError {
  return new UnreadableFileError(`${file}: not a regular file or directory (a named pipe, socket or device); kustomize inputs must be files`, { file });
}
