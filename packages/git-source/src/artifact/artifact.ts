import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { parseDuration } from '@weft/reconcile-core';
import { ArtifactStorageError, GitSourceError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { fetchCommit } from '../protocol/fetch.js';
import { transferLimit } from '../protocol/upload-pack.js';
import { type GitRef, formatRevision, resolveRef } from './ref.js';
import { listRemoteRefs } from '../protocol/remote.js';
import { ArtifactStorage, type StoredArtifact } from './storage.js';
import { type ArtifactEntry, writeTarGz } from './tar.js';
import { type GitAuth, checkTransport } from '../protocol/transport.js';
import { TreeCache, collectTree } from './tree.js';
import { type VerifyOptions, verifySignatures } from './verify.js';

/** A fetched revision, archived: what `gitSource` emits and the reconciler reports. */
export interface GitArtifact extends StoredArtifact {
  /** The repository URL (without credentials). */
  url: string;
  /** The commit archived. */
  commit: string;
  /** Absolute path of the tar.gz. */
  file: string;
  /** The archived entries, for in-process consumers (no need to unpack the tarball). */
  entries: readonly ArtifactEntry[];
  /** Key ids of the verified signatures, when `verify` was set. */
  verifiedBy?: readonly string[];
}

/** Another artifact's files copied into this one (Flux's `spec.include`). */
export interface IncludedArtifact {
  artifact: Pick<GitArtifact, 'entries' | 'digest'>;
  /** Directory of the included artifact to copy; default: all of it. */
  fromPath?: string;
  /** Where to put it in this artifact. */
  toPath: string;
}

/** Options of {@link fetchArtifact}. */
export interface FetchArtifactOptions {
  url: string;
  ref?: GitRef;
  auth?: GitAuth;
  /** Go duration (`60s`) or milliseconds; Flux's default is 60s. */
  timeout?: string | number;
  /** `spec.ignore` rules. */
  ignore?: string;
  include?: readonly IncludedArtifact[];
  verify?: VerifyOptions;
  /**
   * Refuse repositories whose kept files add up to more bytes than this. The fetch itself stops
   * once it has downloaded more than twice this plus 1 MiB, so memory stays bounded by the limit.
   */
  maxSize?: number;
  recurseSubmodules?: boolean;
  /** Persistent git caches; default `$TMPDIR/weft-git-source/cache`. */
  cacheDir?: string;
  /** Where artifacts go; default a storage at `$TMPDIR/weft-git-source/artifacts`. */
  storage?: ArtifactStorage;
  /** Name of this source in the storage (its GC unit); default derived from url and ref. */
  sourceKey?: string;
}

/** The outcome of {@link fetchArtifact}. */
export interface FetchArtifactResult {
  artifact: GitArtifact;
  /** `false` when the remote ref had not moved and the previous artifact was reused (no fetch). */
  changed: boolean;
}

/**
 * Fetches the revision `ref` resolves to and archives it: one ref advertisement, then
 * (only if the revision or the archive settings changed since `previous`) a shallow,
 * incremental fetch into the persistent cache, signature verification, the filtered
 * tree, includes, a deterministic tar.gz and an atomic store.
 *
 * @remarks
 * Nothing is half-applied: the new artifact becomes `latest` only after its file is
 * completely written; on any failure the previous artifact stays the latest.
 *
 * @throws {@link GitSourceError} subclasses: auth, timeout, fetch, missing ref, verification, size, unsupported feature, storage ({@link ArtifactStorageError}).
 * @throws the signal's reason when aborted.
 * @example
 * ```ts
 * import { fetchArtifact } from '@weft/git-source';
 * const { artifact } = await fetchArtifact({ url, ref: { branch: 'main' } });
 * console.log(artifact.revision, artifact.digest);
 * ```
 */
export async function fetchArtifact(
  options: FetchArtifactOptions,
  context: { previous?: GitArtifact; signal?: AbortSignal } = {},
): Promise<FetchArtifactResult> {
  checkTransport(options.url);
  const timeoutMs = options.timeout === undefined ? undefined : toMs(options.timeout);
  const remote = {
    ...(options.auth ? { auth: options.auth } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(context.signal ? { signal: context.signal } : {}),
  };
  const refs = await listRemoteRefs(options.url, remote);
  const resolved = resolveRef(options.url, refs, options.ref);
  const revision = formatRevision(resolved);
  const settings = settingsKey(options);
  const previous = context.previous;
  if (previous && previous.revision === revision && settingsOf(previous) === settings) {
    return { artifact: previous, changed: false };
  }
  const cacheDir = options.cacheDir ?? join(tmpdir(), 'weft-git-source', 'cache');
  const gitdir = await fetchCommit(options.url, resolved, {
    ...remote,
    cacheDir,
    ...(options.maxSize !== undefined ? { maxTransferBytes: transferLimit(options.maxSize) } : {}),
  });
  const verifiedBy = options.verify
    ? await verifySignatures(options.url, gitdir, resolved, options.verify)
    : undefined;
  context.signal?.throwIfAborted();
  let entries = await collectTree(gitdir, resolved.commit, {
    url: options.url,
    ...(options.ignore !== undefined ? { ignore: options.ignore } : {}),
    ...(options.maxSize !== undefined ? { maxSize: options.maxSize } : {}),
    ...(options.recurseSubmodules !== undefined ? { recurseSubmodules: options.recurseSubmodules } : {}),
    ...(previous ? { reuse: previous.entries } : {}),
    treeCache: treeCacheOf(options),
  });
  for (const include of options.include ?? []) entries = mergeInclude(entries, include);
  const bytes = writeTarGz(entries);
  const storage = options.storage ?? new ArtifactStorage(join(tmpdir(), 'weft-git-source', 'artifacts'));
  const sourceKey = options.sourceKey ?? `${options.url}#${JSON.stringify(options.ref ?? {})}`;
  const stored = await storage.put(sourceKey, revision, bytes, context.signal ? { signal: context.signal } : {}).catch((error: unknown) => {
    if (context.signal?.aborted) throw error;
    throw new ArtifactStorageError(options.url, error);
  });
  const artifact: GitArtifact = {
    ...stored,
    url: redactUrl(options.url),
    commit: resolved.commit,
    file: storage.locate(stored),
    entries,
    ...(verifiedBy ? { verifiedBy } : {}),
  };
  settingsByArtifact.set(artifact, settings);
  return { artifact, changed: previous?.digest !== artifact.digest || previous.revision !== artifact.revision };
}

const settingsByArtifact = new WeakMap<GitArtifact, string>();

/** One tree cache per source (bounded: a busy process holds a few hundred sources at most). */
const treeCaches = new Map<string, TreeCache>();

function treeCacheOf(options: FetchArtifactOptions): TreeCache {
  const key = `${options.cacheDir ?? ''}\0${options.sourceKey ?? `${options.url}#${JSON.stringify(options.ref ?? {})}`}`;
  let cache = treeCaches.get(key);
  if (cache === undefined) {
    if (treeCaches.size >= 1000) treeCaches.delete(treeCaches.keys().next().value!);
    cache = new TreeCache();
    treeCaches.set(key, cache);
  }
  return cache;
}

function settingsOf(artifact: GitArtifact): string | undefined {
  return settingsByArtifact.get(artifact);
}

/** What besides the revision shapes the archive: a change of any of these rebuilds it. */
function settingsKey(options: FetchArtifactOptions): string {
  return createHash('sha256')
    .update(
      JSON.stringify({
        ignore: options.ignore ?? null,
        include: (options.include ?? []).map((i) => [i.artifact.digest, i.fromPath ?? '', i.toPath]),
        verify: options.verify ? [options.verify.mode, ...options.verify.publicKeys] : null,
        maxSize: options.maxSize ?? null,
      }),
    )
    .digest('hex');
}

/**
 * Copies the entries under `fromPath` of an included artifact to `toPath`, replacing what was there.
 *
 * @throws {@link GitSourceError} (reason `IncludeUnavailable`) when `toPath` is the repository root.
 * @example
 * ```ts
 * import { mergeInclude } from '@weft/git-source';
 * const merged = mergeInclude(entries, { artifact: shared, fromPath: 'deploy', toPath: 'vendor/shared' });
 * ```
 */
export function mergeInclude(entries: readonly ArtifactEntry[], include: IncludedArtifact): ArtifactEntry[] {
  const from = normalizeDir(include.fromPath ?? '');
  const to = normalizeDir(include.toPath);
  if (to === '') throw new GitSourceError('include', 'include toPath must not be the repository root', { reason: 'IncludeUnavailable' });
  const kept = entries.filter((e) => e.path !== to && !e.path.startsWith(`${to}/`));
  const copied: ArtifactEntry[] = [];
  for (const entry of include.artifact.entries) {
    if (from !== '' && entry.path !== from && !entry.path.startsWith(`${from}/`)) continue;
    const rest = from === '' ? entry.path : entry.path.slice(from.length + 1);
    if (rest === '') continue;
    copied.push({ ...entry, path: `${to}/${rest}` });
  }
  // Parent directories of the destination.
  const directories = new Set(kept.filter((e) => e.type === 'directory').map((e) => e.path));
  const parents: ArtifactEntry[] = [];
  for (let dir = to; dir !== '.' && dir !== ''; dir = posix.dirname(dir)) {
    if (!directories.has(dir)) parents.push({ path: dir, type: 'directory' });
  }
  return [...kept, ...parents, ...copied];
}

function normalizeDir(path: string): string {
  const normalized = posix.normalize(`/${path}`).slice(1).replace(/\/+$/, '');
  return normalized;
}

function toMs(value: string | number): number {
  return parseDuration(value);
}
