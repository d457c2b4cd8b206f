import fs from 'node:fs';
import { posix } from 'node:path';
import * as git from 'isomorphic-git';
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
  const cache = {};
  const rules = new IgnoreRules(options.ignore === undefined ? {} : { specIgnore: options.ignore });
  const entries: ArtifactEntry[] = [];
  let size = 0;
  const { tree } = await git.readTree({ fs, gitdir, oid: commit, cache });

  const visit = async (directory: string, items: git.TreeEntry[]): Promise<boolean> => {
    const sourceIgnore = items.find((item) => item.path === SOURCE_IGNORE_FILE && item.type === 'blob');
    if (sourceIgnore) {
      const { blob } = await git.readBlob({ fs, gitdir, oid: sourceIgnore.oid, cache });
      rules.addSourceIgnore(directory, Buffer.from(blob).toString('utf8'));
    }
    let kept = false;
    for (const item of items) {
      const path = directory === '' ? item.path : `${directory}/${item.path}`;
      if (item.type === 'commit') {
        if (options.recurseSubmodules) throw new UnsupportedGitFeatureError(options.url, 'submodules');
        continue;
      }
      const isDirectory = item.type === 'tree';
      if (rules.ignores(path, isDirectory)) continue;
      if (isDirectory) {
        const sub = await git.readTree({ fs, gitdir, oid: item.oid, cache });
        if (await visit(path, sub.tree)) {
          entries.push({ path, type: 'directory' });
          kept = true;
        }
        continue;
      }
      const { blob } = await git.readBlob({ fs, gitdir, oid: item.oid, cache });
      if (item.mode === '120000') {
        const target = Buffer.from(blob).toString('utf8');
        if (escapesRepository(path, target)) continue;
        entries.push({ path, type: 'symlink', target });
      } else {
        size += blob.byteLength;
        if (options.maxSize !== undefined && size > options.maxSize) throw new ArtifactTooLargeError(options.url, size, options.maxSize);
        entries.push({ path, type: 'file', content: blob, executable: item.mode === '100755' });
      }
      kept = true;
    }
    return kept;
  };
  await visit('', tree);
  return entries;
}

/** Whether a symlink at `path` with `target` resolves outside the repository root. */
export function escapesRepository(path: string, target: string): boolean {
  if (posix.isAbsolute(target) || target.includes('\0')) return true;
  const resolved = posix.normalize(posix.join(posix.dirname(path), target));
  return resolved === '..' || resolved.startsWith('../');
}
