import { posix } from 'node:path';
import { ObjectStore, commitTree, parseTree, type TreeItem } from '../protocol/object-store.js';
import { ArtifactTooLargeError, UnsupportedGitFeatureError } from '../errors.js';
import { IgnoreRules, SOURCE_IGNORE_FILE } from './ignore-rules.js';
import { type ArtifactEntry } from './tar.js';

/** Options of {@link collectTree}. */
export interface CollectTreeOptions {
  /** `spec.ignore`: gitignore rules on top of `.sourceignore` files and the default exclusions. */
  ignore?: string;
  /** Refuse content (sum of file sizes) above this many bytes. */
  maxSize?: number;
  /** Flux's `recurseSubmodules`: isomorphic-git cannot, so `true` fails when a submodule is present. */
  recurseSubmodules?: boolean;
  /** URL for error messages. */
  url: string;
  /** Entries of an earlier artifact: blobs with the same id are reused instead of read again. */
  reuse?: readonly ArtifactEntry[];
  /** Directory results of earlier builds of the same source (see {@link TreeCache}). */
  treeCache?: TreeCache;
}

/**
 * Reads the tree of a commit from a git directory into artifact entries, applying the
 * exclusion rules, dropping symlinks that point outside the repository and submodules.
 *
 * @remarks
 * Directories are listed only when something in them is kept. In-repository symlinks are
 * kept as symlinks. Submodules (gitlinks) are left out, as Flux does without
 * `recurseSubmodules`.
 *
 * @throws {@link ArtifactTooLargeError} when the kept files exceed `maxSize`.
 * @throws {@link UnsupportedGitFeatureError} when `recurseSubmodules` is set and the tree has a submodule.
 * @example
 * ```ts
 * import { collectTree } from '@weft/git-source';
 * const entries = await collectTree(gitdir, commit, { url, ignore: '*.md\n' });
 * ```
 */
export async function collectTree(gitdir: string, commit: string, options: CollectTreeOptions): Promise<ArtifactEntry[]> {
  const store = new ObjectStore(gitdir);
  const known = new Map<string, Uint8Array>();
  for (const entry of options.reuse ?? []) if (entry.oid !== undefined && entry.content !== undefined) known.set(entry.oid, entry.content);
  const rules = new IgnoreRules(options.ignore === undefined ? {} : { specIgnore: options.ignore });
  const cache = options.treeCache;
  let size = 0;
  const addSize = (bytes: number) => {
    size += bytes;
    if (options.maxSize !== undefined && size > options.maxSize) throw new ArtifactTooLargeError(options.url, size, options.maxSize);
  };
  const rootTree = commitTree(store.readAs(commit, 'commit'));

  // `chain` identifies every rule that can apply inside a directory: the settings and the
  // .sourceignore files of its ancestors. With the tree id it determines the subtree's result.
  const visit = (directory: string, treeOid: string, chain: string): Subtree => {
    const key = `${directory}\0${treeOid}\0${chain}`;
    const cached = cache?.get(key);
    if (cached) return cached;
    const items = parseTree(store.readAs(treeOid, 'tree'));
    const sourceIgnore = items.find((item) => item.name === SOURCE_IGNORE_FILE && item.mode.startsWith('100'));
    if (sourceIgnore) rules.addSourceIgnore(directory, store.readAs(sourceIgnore.oid, 'blob').toString('utf8'));
    const childChain = `${chain}/${sourceIgnore?.oid ?? '-'}`;
    const result: Subtree = { entries: [], size: 0 };
    for (const item of items) {
      const path = directory === '' ? item.name : `${directory}/${item.name}`;
      if (item.mode === '160000') {
        if (options.recurseSubmodules) throw new UnsupportedGitFeatureError(options.url, 'submodules');
        continue;
      }
      const isDirectory = item.mode === '040000';
      if (rules.ignores(path, isDirectory)) continue;
      if (isDirectory) {
        const sub = visit(path, item.oid, childChain);
        if (sub.entries.length > 0) {
          result.entries.push({ path, type: 'directory' });
          for (const entry of sub.entries) result.entries.push(entry);
          result.size += sub.size;
        }
        continue;
      }
      const blob = known.get(item.oid) ?? store.readAs(item.oid, 'blob');
      if (item.mode === '120000') {
        const target = Buffer.from(blob).toString('utf8');
        if (escapesRepository(path, target)) continue;
        result.entries.push({ path, type: 'symlink', target, oid: item.oid });
      } else {
        addSize(blob.byteLength);
        result.size += blob.byteLength;
        result.entries.push({ path, type: 'file', content: blob, executable: item.mode === '100755', oid: item.oid });
      }
    }
    cache?.set(key, result);
    return result;
  };
  const settings = JSON.stringify([options.ignore ?? null, options.recurseSubmodules ?? false]);
  try {
    const root = visit('', rootTree, settings);
    // Subtrees taken from the cache were not counted as they were added.
    size = 0;
    addSize(root.size);
    cache?.sweep();
    return root.entries;
  } finally {
    store.close();
  }
}

/** What one directory contributes to an artifact. */
interface Subtree {
  entries: ArtifactEntry[];
  size: number;
}

/**
 * Remembers the entries of directories between builds of one source, so an incremental
 * build re-reads only the directories whose tree changed.
 *
 * @remarks
 * Keeps what the last build used and drops the rest ({@link TreeCache.sweep}), so memory
 * stays about one artifact's worth. {@link fetchArtifact} keeps one per source by itself.
 *
 * @example
 * ```ts
 * import { collectTree, TreeCache } from '@weft/git-source';
 * const cache = new TreeCache();
 * await collectTree(gitdir, commit, { url, treeCache: cache }); // later builds reuse unchanged directories
 * ```
 */
export class TreeCache {
  private current = new Map<string, Subtree>();
  private used = new Map<string, Subtree>();

  /** @internal */
  get(key: string): Subtree | undefined {
    const found = this.used.get(key) ?? this.current.get(key);
    if (found) this.used.set(key, found);
    return found;
  }

  /** @internal */
  set(key: string, subtree: Subtree): void {
    this.used.set(key, subtree);
  }

  /** Forgets the directories the last build did not use. */
  sweep(): void {
    this.current = this.used;
    this.used = new Map();
  }
}

/**
 * Whether a symlink at `path` with `target` resolves outside the repository root.
 *
 * @example
 * ```ts
 * import { escapesRepository } from '@weft/git-source';
 * escapesRepository('overlay/app.yaml', '../base/app.yaml'); // false
 * escapesRepository('a', '../../etc/passwd'); // true
 * ```
 */
export function escapesRepository(path: string, target: string): boolean {
  if (posix.isAbsolute(target) || target.includes('\0')) return true;
  const resolved = posix.normalize(posix.join(posix.dirname(path), target));
  return resolved === '..' || resolved.startsWith('../');
}
