import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { WeftError } from '@weft/reconcile-core';
import type { ArtifactStorage, GitRepositoryArtifact } from '@weft/git-source';
import { type KustomizeFs, memoryFs } from '@weft/kustomize-lite';

const gunzipAsync = promisify(gunzip);

/**
 * A source artifact could not be read: missing from storage and its URL, a digest that does not
 * match, a tarball that does not parse. Flux's `ArtifactFailed`.
 *
 * @remarks Retryable: the source controller may not have written it yet, or will write a new one.
 * @example
 * ```ts
 * if (error instanceof ArtifactError) console.error(error.artifact, error.message);
 * ```
 */
export class ArtifactError extends WeftError {
  override name = 'ArtifactError';
  constructor(
    /** The artifact's path or URL. */
    readonly artifact: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { ...options, retryable: true });
  }
}

/** Options of {@link ArtifactReader}. */
export interface ArtifactReaderOptions {
  /** The GitRepository controller's storage, read in process; without it artifacts are downloaded from `status.artifact.url`. */
  storage?: ArtifactStorage;
  /** Unpacked artifacts kept in memory (by digest). Default 16. */
  cacheSize?: number;
  /** Largest unpacked artifact accepted, in bytes. Default 256 MiB. */
  maxUnpackedBytes?: number;
}

/**
 * Reads a GitRepository's artifact (`status.artifact`) and unpacks it into an in-memory file
 * system rooted at `/`, for kustomize-lite to build from.
 *
 * @remarks
 * Guarantees: the bytes are checked against `artifact.digest` before they are unpacked; paths that
 * would leave the root are refused; symlinks are left out (as Flux's untar does). The storage file
 * is read when the storage holds it (in process, no HTTP); otherwise the artifact's URL is fetched
 * (`http(s)://` or `file://`). Unpacked artifacts are cached by digest, so many Kustomizations of
 * one repository unpack it once.
 * @throws {@link ArtifactError} naming the artifact.
 * @example
 * ```ts
 * const fs = await new ArtifactReader({ storage }).read(repository.status!.artifact!, { signal });
 * ```
 */
export class ArtifactReader {
  private readonly cache = new Map<string, Promise<KustomizeFs>>();
  private readonly cacheSize: number;
  private readonly maxUnpackedBytes: number;

  constructor(private readonly options: ArtifactReaderOptions = {}) {
    this.cacheSize = Math.max(1, options.cacheSize ?? 16);
    this.maxUnpackedBytes = options.maxUnpackedBytes ?? 256 * 1024 * 1024;
  }

  /** The artifact's files as a read-only file system rooted at `/`. */
  read(artifact: Pick<GitRepositoryArtifact, 'digest' | 'path' | 'url'>, options: { signal?: AbortSignal } = {}): Promise<KustomizeFs> {
    const cached = this.cache.get(artifact.digest);
    if (cached) {
      // Most recently used last: the Map's order is the eviction order.
      this.cache.delete(artifact.digest);
      this.cache.set(artifact.digest, cached);
      return cached;
    }
    const loading = this.load(artifact, options.signal);
    this.cache.set(artifact.digest, loading);
    loading.catch(() => this.cache.get(artifact.digest) === loading && this.cache.delete(artifact.digest));
    while (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    return loading;
  }

  private async load(artifact: Pick<GitRepositoryArtifact, 'digest' | 'path' | 'url'>, signal: AbortSignal | undefined): Promise<KustomizeFs> {
    const bytes = await this.fetchBytes(artifact, signal);
    const [algorithm, expected] = artifact.digest.split(':');
    if (algorithm !== 'sha256' || !expected) throw new ArtifactError(artifact.path, `artifact ${artifact.path} has an unsupported digest '${artifact.digest}'`);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== expected) throw new ArtifactError(artifact.path, `artifact ${artifact.path} digest mismatch: expected sha256:${expected}, got sha256:${actual}`);
    let tar: Buffer;
    try {
      tar = await gunzipAsync(bytes, { maxOutputLength: this.maxUnpackedBytes });
    } catch (error) {
      throw new ArtifactError(artifact.path, `artifact ${artifact.path} is not a gzip tarball: ${(error as Error).message}`, { cause: error });
    }
    return memoryFs(untar(tar, artifact.path));
  }

  private async fetchBytes(artifact: Pick<GitRepositoryArtifact, 'path' | 'url'>, signal: AbortSignal | undefined): Promise<Buffer> {
    const storage = this.options.storage;
    if (storage) {
      try {
        return await readFile(storage.locate(artifact), { signal });
      } catch (error) {
        if (signal?.aborted) throw error;
        // Not in this storage (another replica's, or garbage collected): try its URL.
      }
    }
    const url = artifact.url;
    try {
      if (url.startsWith('file://')) return await readFile(fileURLToPath(url), { signal });
      if (url.startsWith('http://') || url.startsWith('https://')) {
        const response = await fetch(url, { signal: signal ?? null });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return Buffer.from(await response.arrayBuffer());
      }
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ArtifactError(artifact.path, `artifact ${artifact.path} could not be read from ${url}: ${(error as Error).message}`, { cause: error });
    }
    throw new ArtifactError(artifact.path, `artifact ${artifact.path} is not in storage and its URL '${url}' is not http(s) or file`);
  }
}

const BLOCK = 512;

/** Parses a ustar/PAX tarball into `{ '/path': bytes }`; directories and symlinks are left out. */
export function untar(tar: Buffer, name: string): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  let paxPath: string | undefined;
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    const size = parseOctal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156] ?? 0);
    const body = tar.subarray(offset + BLOCK, offset + BLOCK + size);
    if (body.length !== size) throw new ArtifactError(name, `artifact ${name} is a truncated tarball`);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      paxPath = parsePax(body)['path'];
      continue;
    }
    const prefix = cString(header.subarray(345, 500));
    const path = paxPath ?? (prefix ? `${prefix}/${cString(header.subarray(0, 100))}` : cString(header.subarray(0, 100)));
    paxPath = undefined;
    if (type !== '0' && type !== '\0') continue;
    const normalised = posix.normalize(`/${path}`);
    if (normalised.split('/').includes('..') || path.split('/').includes('..')) throw new ArtifactError(name, `artifact ${name} holds a path outside its root: '${path}'`);
    files[normalised] = body;
  }
  return files;
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end < 0 ? bytes.length : end).toString('utf8');
}

function parseOctal(bytes: Buffer): number {
  const text = cString(bytes).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function parsePax(body: Buffer): Record<string, string> {
  // Each record is "<length> <key>=<value>\n", the length in bytes and counting itself.
  const records: Record<string, string> = {};
  for (let position = 0; position < body.length; ) {
    const space = body.indexOf(0x20, position);
    const length = Number(body.subarray(position, space).toString('ascii'));
    if (space < 0 || !Number.isInteger(length) || length <= 0) break;
    const record = body.subarray(space + 1, position + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    position += length;
  }
  return records;
}
