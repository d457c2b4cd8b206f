import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The tags database of image scanning, on disk: one JSON file per canonical image name, so
 * the last scan survives a registry outage and a restart (Flux keeps it in Badger).
 *
 * @remarks
 * Writes go through a temporary file and a rename, so a crash never leaves a half-written
 * list. Reads are served from memory after the first. One store may be shared by several
 * reconcilers and streams in one process; two processes should not share a directory.
 *
 * @example
 * ```ts
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { TagStore } from '@weft/image-automation';
 * const store = new TagStore(join(tmpdir(), 'weft', 'tags'));
 * const revision = await store.setTags('ghcr.io/org/app', ['1.1.0', '1.0.0']);
 * await store.tags('ghcr.io/org/app'); // ['1.1.0', '1.0.0']
 * ```
 */
export class TagStore {
  private readonly cache = new Map<string, readonly string[]>();
  private ready: Promise<unknown> | undefined;

  constructor(readonly dir: string) {}

  /** The stored tags of an image (Flux's order: descending by name), or `[]` when never scanned. */
  async tags(canonicalName: string): Promise<readonly string[]> {
    const cached = this.cache.get(canonicalName);
    if (cached) return cached;
    try {
      const stored = JSON.parse(await readFile(this.file(canonicalName), 'utf8')) as { name?: string; tags?: unknown };
      const tags = stored.name === canonicalName && Array.isArray(stored.tags) ? stored.tags.filter((t): t is string => typeof t === 'string') : [];
      this.cache.set(canonicalName, tags);
      return tags;
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return [];
      throw error;
    }
  }

  /** Replaces the tags of an image; returns their revision ({@link tagsRevision}). */
  async setTags(canonicalName: string, tags: readonly string[]): Promise<string> {
    this.ready ??= mkdir(this.dir, { recursive: true });
    await this.ready;
    const file = this.file(canonicalName);
    const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temporary, JSON.stringify({ name: canonicalName, tags }));
    await rename(temporary, file);
    this.cache.set(canonicalName, [...tags]);
    return tagsRevision(tags);
  }

  private file(canonicalName: string): string {
    return join(this.dir, `${createHash('sha256').update(canonicalName).digest('hex').slice(0, 32)}.json`);
  }
}

/**
 * The revision of a tag list as Flux reports it in `status.lastScanResult.revision`: the
 * Adler-32 checksum (decimal) of the list's JSON as Go's `encoding/json` writes it.
 *
 * @example
 * ```ts
 * import { tagsRevision } from '@weft/image-automation';
 * tagsRevision(['1.0.0']); // '160432618'
 * ```
 */
export function tagsRevision(tags: readonly string[]): string {
  const json = JSON.stringify(tags).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  let a = 1;
  let b = 0;
  for (const byte of Buffer.from(json)) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return String(((b << 16) | a) >>> 0);
}
