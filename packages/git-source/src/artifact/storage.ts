import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** An artifact as stored: what Flux reports in `status.artifact`. */
export interface StoredArtifact {
  /** Flux's revision, e.g. `main@sha1:<sha>`. */
  revision: string;
  /** `sha256:<hex>` of the tar.gz. */
  digest: string;
  /** Size of the tar.gz in bytes. */
  size: number;
  /** When this artifact was stored (RFC 3339). */
  lastUpdateTime: string;
  /** Path of the tar.gz relative to the storage root (`artifacts/<hex>.tar.gz`). */
  path: string;
}

/** Options of {@link ArtifactStorage}. */
export interface ArtifactStorageOptions {
  /** How many artifacts to keep per source (the newest); default 2, as Flux keeps. */
  retain?: number;
}

/**
 * Content-addressed artifact storage on a local directory: `artifacts/<sha256>.tar.gz`
 * plus a small history file per source.
 *
 * @remarks
 * Guarantees: every file appears whole or not at all (written to a temporary name,
 * fsynced, renamed), so a crash mid-write leaves the previous artifact served and
 * only a temporary file, which {@link ArtifactStorage.collectGarbage} removes once it
 * is older than a grace period. Puts through one instance are serialized; several
 * processes must not share one root. The
 * same content is stored once however many sources or revisions produce it.
 *
 * @example
 * ```ts
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { ArtifactStorage } from '@weft/git-source';
 * const storage = new ArtifactStorage(join(tmpdir(), 'weft', 'artifacts'));
 * const artifact = await storage.put('default/app', 'main@sha1:…', tarGzBytes);
 * ```
 */
export class ArtifactStorage {
  readonly root: string;
  private readonly retain: number;

  constructor(root: string, options: ArtifactStorageOptions = {}) {
    this.root = root;
    this.retain = Math.max(1, options.retain ?? 2);
  }

  /**
   * Stores a tar.gz for a source and records it as the source's latest artifact, then
   * drops the source's artifacts beyond the retention count.
   */
  async put(source: string, revision: string, bytes: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<StoredArtifact> {
    // One put at a time per storage object: a put's garbage collection must not see
    // another put's artifact between its write and its history update.
    const run = this.queue.catch(() => undefined).then(() => this.putNow(source, revision, bytes, options.signal));
    this.queue = run;
    return run;
  }

  private queue: Promise<unknown> = Promise.resolve();

  private async putNow(source: string, revision: string, bytes: Uint8Array, signal: AbortSignal | undefined): Promise<StoredArtifact> {
    const hex = createHash('sha256').update(bytes).digest('hex');
    const path = `artifacts/${hex}.tar.gz`;
    const absolute = join(this.root, path);
    await mkdir(join(this.root, 'artifacts'), { recursive: true });
    const existing = await stat(absolute).catch(() => undefined);
    if (existing?.size !== bytes.byteLength) await writeAtomically(absolute, bytes, signal);
    const artifact: StoredArtifact = {
      revision,
      digest: `sha256:${hex}`,
      size: bytes.byteLength,
      lastUpdateTime: new Date().toISOString(),
      path,
    };
    const history = [artifact, ...(await this.history(source)).filter((a) => a.digest !== artifact.digest)];
    await this.writeHistory(source, history.slice(0, this.retain));
    await this.collectGarbage();
    return artifact;
  }

  /** The latest stored artifact of a source whose file still exists, if any. */
  async latest(source: string): Promise<StoredArtifact | undefined> {
    for (const artifact of await this.history(source)) {
      if (await stat(join(this.root, artifact.path)).catch(() => undefined)) return artifact;
    }
    return undefined;
  }

  /** Absolute path of an artifact's file. */
  locate(artifact: Pick<StoredArtifact, 'path'>): string {
    return join(this.root, artifact.path);
  }

  /** Reads an artifact's bytes. */
  read(artifact: Pick<StoredArtifact, 'path'>): Promise<Buffer> {
    return readFile(this.locate(artifact));
  }

  /**
   * Removes artifacts no source's history references and leftover temporary files
   * (of writes interrupted by a crash).
   */
  async collectGarbage(options: { temporaryGraceMs?: number } = {}): Promise<{ removed: string[] }> {
    // A temporary file younger than this may belong to a write in progress.
    const grace = options.temporaryGraceMs ?? 10 * 60_000;
    const referenced = new Set<string>();
    const sourcesDir = join(this.root, 'sources');
    for (const file of await readdir(sourcesDir).catch(() => [] as string[])) {
      if (!file.endsWith('.json')) continue;
      const history = JSON.parse(await readFile(join(sourcesDir, file), 'utf8').catch(() => '[]')) as StoredArtifact[];
      for (const artifact of history) referenced.add(artifact.path);
    }
    const removed: string[] = [];
    for (const dir of ['artifacts', 'sources']) {
      for (const file of await readdir(join(this.root, dir)).catch(() => [] as string[])) {
        const path = `${dir}/${file}`;
        let stale = dir === 'artifacts' && !file.includes('.tmp-') && !referenced.has(path);
        if (file.includes('.tmp-')) {
          const info = await stat(join(this.root, path)).catch(() => undefined);
          stale = info !== undefined && (grace <= 0 || Date.now() - info.mtimeMs >= grace);
        }
        if (stale) {
          await rm(join(this.root, path), { force: true });
          removed.push(path);
        }
      }
    }
    return { removed };
  }

  private historyFile(source: string): string {
    return join(this.root, 'sources', `${createHash('sha256').update(source).digest('hex').slice(0, 32)}.json`);
  }

  private async history(source: string): Promise<StoredArtifact[]> {
    try {
      return JSON.parse(await readFile(this.historyFile(source), 'utf8')) as StoredArtifact[];
    } catch {
      return [];
    }
  }

  private async writeHistory(source: string, history: StoredArtifact[]): Promise<void> {
    await mkdir(join(this.root, 'sources'), { recursive: true });
    await writeAtomically(this.historyFile(source), Buffer.from(JSON.stringify(history, null, 2)));
  }
}

/**
 * Writes to `<path>.tmp-<random>`, fsyncs and renames over `path`.
 *
 * @remarks
 * A write may store fewer bytes than asked (a file system filling up stores what fits and
 * reports the count; the next write fails with ENOSPC): each write goes on from the count it
 * reports, so a file is renamed into place only when every byte is in it.
 */
export async function writeAtomically(path: string, bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
  const temporary = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  const handle = await open(temporary, 'w');
  try {
    const chunk = 1 << 20;
    for (let offset = 0; offset < bytes.byteLength; ) {
      signal?.throwIfAborted();
      const { bytesWritten } = await handle.write(bytes, offset, Math.min(chunk, bytes.byteLength - offset), offset);
      // a regular file never takes zero bytes without an error; refuse rather than loop
      if (bytesWritten === 0) throw Object.assign(new Error(`writing ${temporary}: no bytes written`), { code: 'EIO' });
      offset += bytesWritten;
    }
    await handle.sync();
    await handle.close();
    await rename(temporary, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
}
