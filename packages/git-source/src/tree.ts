import { posix } from 'node:path';
import { ObjectStore, commitTree, parseTree, type TreeItem } from './object-store.js';
import { ArtifactTooLargeError, UnsupportedGitFeatureError } from './errors.js';
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
 * const entries = await collectTree(gitdir, commit, { url, ignore: '*.md\n' });
 * ```
 */
export async function collectTree(gitdir: string, commit: string, options: CollectTreeOptions): Promise<ArtifactEntry[]> {
  const store = new ObjectStore(gitdir);
  const known = new Map<string, Uint8Array>();
  for (const entry of options.reuse ?? []) if (entry.oid !== undefined && entry.content !== undefined) known.set(entry.oid, entry.content);
  const rules = new IgnoreRules(options.ignore === undefined ? {} : { specIgnore: options.ignore });
  const entries: ArtifactEntry[] = [];
  let size = 0;
  const tree = parseTree(store.readAs(commitTree(store.readAs(commit, 'commit')), 'tree'));

  const visit = async (directory: string, items: TreeItem[]): Promise<boolean> => {
    const sourceIgnore = items.find((item) => item.name === SOURCE_IGNORE_FILE && item.mode.startsWith('100'));
    if (sourceIgnore) rules.addSourceIgnore(directory, store.readAs(sourceIgnore.oid, 'blob').toString('utf8'));
    let kept = false;
    for (const item of items) {
      const path = directory === '' ? item.name : `${directory}/${item.name}`;
      if (item.mode === '160000') {
        if (options.recurseSubmodules) throw new UnsupportedGitFeatureError(options.url, 'submodules');
        continue;
      }
      const isDirectory = item.mode === '040000';
      if (rules.ignores(path, isDirectory)) continue;
      if (isDirectory) {
        if (await visit(path, parseTree(store.readAs(item.oid, 'tree')))) {
          entries.push({ path, type: 'directory' });
          kept = true;
        }
        continue;
      }
      const blob = known.get(item.oid) ?? store.readAs(item.oid, 'blob');
      if (item.mode === '120000') {
        const target = Buffer.from(blob).toString('utf8');
        if (escapesRepository(path, target)) continue;
        entries.push({ path, type: 'symlink', target, oid: item.oid });
      } else {
        size += blob.byteLength;
        if (options.maxSize !== undefined && size > options.maxSize) throw new ArtifactTooLargeError(options.url, size, options.maxSize);
        entries.push({ path, type: 'file', content: blob, executable: item.mode === '100755', oid: item.oid });
      }
      kept = true;
    }
    return kept;
  };
  await visit('', tree);
  store.close();
  return entries;
}

/** Whether a symlink at `path` with `target` resolves outside the repository root. */
export function escapesRepository(path: string, target: string): boolean {
  if (posix.isAbsolute(target) || target.includes('\0')) return true;
  const resolved = posix.normalize(posix.join(posix.dirname(path), target));
  return resolved === '..' || resolved.startsWith('../');
}
