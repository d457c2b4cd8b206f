import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { ArtifactStorage, GitRepositoryArtifact } from '@weft/git-source';
import type { KustomizeFs } from '@weft/kustomize-lite';
import { artifactFs } from './artifact-fs.js';
import { ArtifactError } from './artifact-error.js';
import { untar } from './untar.js';

const gunzipAsync = promisify(gunzip);

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
 * Reads a GitRepository's stored artifact (`status.artifact`) and unpacks it into an in-memory
 * file system rooted at `/` (see {@link artifactFs}), for kustomize-lite to build from.
 *
 * @remarks
 * Guarantees: the bytes are checked against `artifact.digest` before they are unpacked; paths that
 * would leave the root are refused; in-repository symlinks are kept and followed (see
 * {@link artifactFs}). The storage file is read when the storage holds it (in process, no HTTP);
 * otherwise the artifact's URL is fetched (`http(s)://` or `file://`). Unpacked artifacts are
 * cached by digest, so many Kustomizations of one repository unpack it once.
 * @throws {@link ArtifactError} naming the artifact.
 * @example
 * ```ts
 * import { ArtifactReader } from '@weft/delivery';
 *
 * const reader = new ArtifactReader({ storage });
 * const fs = await reader.read(repository.status!.artifact!, { signal });
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
    return artifactFs(untar(tar, artifact.path));
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
