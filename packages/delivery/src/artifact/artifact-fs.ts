import { posix } from 'node:path';
import type { ArtifactEntry } from '@weft/git-source';
import type { FsEntry, KustomizeFs } from '@weft/kustomize-lite';

/** How many symlinks one path may pass through before it is taken for a loop (Linux's limit). */
const maxLinks = 40;

/**
 * A git artifact's files as the read-only file system kustomize-lite builds from, rooted at `/`:
 * the glue between git-source and kustomize-lite.
 *
 * @remarks
 * Guarantees: in-repository symlinks (which git-source keeps) work as on a checkout: reading
 * through one reads its target, `readDir` lists it, and `realPath` resolves it, so kustomize's
 * load restrictor judges where a file really is. A link that leaves the root, dangles or loops
 * reads as absent (`stat` gives undefined, `readFile` fails with ENOENT or ELOOP). Nothing is copied:
 * file contents are the entries' own bytes.
 * @example
 * ```ts
 * import { artifactFs } from '@weft/delivery';
 * import { build } from '@weft/kustomize-lite';
 *
 * const objects = await build('/deploy', { fs: artifactFs(artifact.entries) });
 * ```
 */
export function artifactFs(entries: readonly ArtifactEntry[]): KustomizeFs {
  const files = new Map<string, Uint8Array>();
  const links = new Map<string, string>();
  const directories = new Map<string, Set<string>>([['/', new Set()]]);
  const addToParents = (path: string): void => {
    let child = path;
    let parent = posix.dirname(child);
    while (child !== parent) {
      const names = directories.get(parent) ?? new Set<string>();
      names.add(posix.basename(child));
      directories.set(parent, names);
      child = parent;
      parent = posix.dirname(child);
    }
  };
  for (const entry of entries) {
    const path = posix.resolve('/', entry.path);
    if (entry.type === 'file') files.set(path, entry.content ?? new Uint8Array());
    else if (entry.type === 'symlink' && entry.target !== undefined) links.set(path, entry.target);
    else if (entry.type === 'directory' && !directories.has(path)) directories.set(path, new Set());
    addToParents(path);
  }

  /** The path with every symlink on it resolved; undefined when a link dangles, leaves the root or loops. */
  const resolve = (path: string): string | undefined => {
    let hops = 0;
    let pending = posix.resolve('/', path).split('/').filter(Boolean);
    let current = '/';
    while (pending.length > 0) {
      const next = posix.join(current, pending.shift()!);
      const target = links.get(next);
      if (target === undefined) {
        current = next;
        continue;
      }
      if (++hops > maxLinks) return undefined;
      // A target is relative to the link's directory; an absolute one, or one that climbs above the
      // root, would leave the repository.
      if (posix.isAbsolute(target) || leavesRoot(posix.dirname(next).slice(1), target)) return undefined;
      pending = [...posix.join(posix.dirname(next), target).split('/').filter(Boolean), ...pending];
      current = '/';
    }
    return current;
  };
  const notFound = (path: string, code = 'ENOENT') => Object.assign(new Error(`${code}: no such file: ${path}`), { code });

  return {
    async readFile(path) {
      const real = resolve(path);
      const content = real === undefined ? undefined : files.get(real);
      if (content === undefined) throw notFound(path, real === undefined && loops(path) ? 'ELOOP' : 'ENOENT');
      return content;
    },
    async stat(path): Promise<FsEntry | undefined> {
      const real = resolve(path);
      if (real === undefined) return undefined;
      const content = files.get(real);
      if (content !== undefined) return { type: 'file', size: content.byteLength };
      return directories.has(real) ? { type: 'directory', size: 0 } : undefined;
    },
    async readDir(path) {
      const real = resolve(path);
      return real === undefined ? [] : [...(directories.get(real) ?? [])].sort();
    },
    async realPath(path) {
      return resolve(path) ?? posix.resolve('/', path);
    },
  };

  function loops(path: string): boolean {
    // Told apart from a dangling link only for the error code.
    let hops = 0;
    let current = posix.resolve('/', path);
    while (links.has(current) && hops <= maxLinks) {
      current = posix.join(posix.dirname(current), links.get(current)!);
      hops++;
    }
    return hops > maxLinks;
  }
}

/** Whether `target`, followed from `directory` (relative to the root), climbs above the root. */
export function leavesRoot(directory: string, target: string): boolean {
  let depth = directory === '.' || directory === '' ? 0 : directory.split('/').length;
  for (const part of target.split('/')) {
    if (part === '..') depth--;
    else if (part !== '.' && part !== '') depth++;
    if (depth < 0) return true;
  }
  return false;
}
