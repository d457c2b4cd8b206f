import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GitRefNotFoundError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { type RemoteOptions, withRemote } from './remote.js';
import { authHeaders, checkTransport, remoteEndpoint } from './transport.js';
import { ObjectStore } from './object-store.js';
import { fetchPack, readTip, recordTip } from './upload-pack.js';

/**
 * Which commit {@link fetchCommit} fetches, and how (what `resolveRef` gives for a `GitRef`).
 */
export interface FetchTarget {
  /** The full refname fetched (`refs/heads/main`), or `undefined` for a bare commit. */
  refName: string | undefined;
  /** The commit to archive. */
  commit: string;
  /** The object the ref points to on the remote (tag object, or commit), when a ref was resolved. */
  tip?: string;
  /** The annotated tag object, when the ref is one (for signature checks). */
  tagObject?: string;
  /** Whether a shallow fetch suffices (branch and tag tips). */
  shallow: boolean;
}

/** Options of {@link fetchCommit}. */
export interface FetchCommitOptions extends RemoteOptions {
  /** Directory of the persistent per-repository caches. */
  cacheDir: string;
  /** Stop a transfer past this many bytes with {@link ArtifactTooLargeError} (see `transferLimit`). */
  maxTransferBytes?: number;
}

const locks = new Map<string, Promise<unknown>>();

/** Serializes work on one cache directory within this process. */
async function withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = locks.get(key) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(work);
  locks.set(key, next);
  try {
    return await next;
  } finally {
    if (locks.get(key) === next) locks.delete(key);
  }
}

/**
 * The bare cache repository for a URL: one for shallow fetches, one for full history.
 *
 * @remarks A valid git directory (git itself can read it); keyed by a hash of the URL.
 * @example
 * ```ts
 * import { cacheGitdir } from '@weft/git-source';
 * cacheGitdir('/var/cache/weft', 'https://example.com/app.git', true); // '/var/cache/weft/<hash>-shallow.git'
 * ```
 */
export function cacheGitdir(cacheDir: string, url: string, shallow: boolean): string {
  const key = createHash('sha256').update(url).digest('hex').slice(0, 24);
  return join(cacheDir, `${key}${shallow ? '-shallow' : ''}.git`);
}

/**
 * Makes sure the resolved commit is in the local cache of the repository, fetching only
 * what is missing (one `git-upload-pack` request that sends the cached commits as `have`s):
 * a branch or tag tip shallowly (depth 1) the first time, then incrementally (the objects
 * new since the cached tip; after a force-push that can be more history than depth 1), and
 * a pinned commit with history.
 *
 * @remarks
 * The cache persists across calls, so the next poll fetches only new objects; when the
 * commit is already present no request is made. Concurrent calls for one repository in
 * this process are serialized.
 *
 * @returns the git directory holding the commit.
 * @throws {@link GitRefNotFoundError} when the commit is not on the remote (or not in the branch).
 * @throws {@link GitAuthError} / {@link GitTimeoutError} / {@link GitFetchError} from the transfer.
 * @throws {@link ArtifactTooLargeError} when the transfer passes `maxTransferBytes`.
 * @example
 * ```ts
 * import { fetchCommit, listRemoteRefs, resolveRef } from '@weft/git-source';
 * const gitdir = await fetchCommit(url, resolveRef(url, await listRemoteRefs(url), { branch: 'main' }), { cacheDir });
 * ```
 */
export async function fetchCommit(url: string, resolved: FetchTarget, options: FetchCommitOptions): Promise<string> {
  checkTransport(url);
  const endpoint = remoteEndpoint(url, options.auth);
  // Keyed without the credentials: a rotated token keeps the cache.
  const gitdir = cacheGitdir(options.cacheDir, endpoint.url, resolved.shallow);
  return withLock(gitdir, async () => {
    if (!fs.existsSync(join(gitdir, 'HEAD'))) {
      await mkdir(join(gitdir, 'objects', 'pack'), { recursive: true });
      await mkdir(join(gitdir, 'refs', 'heads'), { recursive: true });
      await writeFile(join(gitdir, 'config'), `[core]\n\trepositoryformatversion = 0\n\tbare = true\n[remote "origin"]\n\turl = ${redactUrl(url)}\n`);
      await writeFile(join(gitdir, 'HEAD'), 'ref: refs/heads/main\n');
    }
    const present = () => {
      const store = new ObjectStore(gitdir);
      return store.has(resolved.commit) && (resolved.tagObject === undefined || store.has(resolved.tagObject));
    };
    if (present()) return gitdir;
    const want = resolved.tip ?? resolved.commit;
    const tipName = resolved.refName ?? `commits/${resolved.commit}`;
    // Deepen only the first time: once the cache holds an earlier tip of this ref, the server
    // sends just the objects that are new since it (a deepen would resend the whole tree).
    const incremental = (await readTip(gitdir, tipName)) !== undefined;
    await withRemote(url, { ...options, ...(endpoint.auth ? { auth: endpoint.auth } : {}) }, (http) =>
      fetchPack(endpoint.url, gitdir, {
          wants: [want],
          ...(resolved.shallow && !incremental ? { depth: 1 } : {}),
          ...(options.maxTransferBytes !== undefined ? { maxBytes: options.maxTransferBytes } : {}),
        }, http, authHeaders(endpoint.auth)),
    );
    if (!present()) {
      throw new GitRefNotFoundError(
        url,
        resolved.refName === undefined ? `commit ${resolved.commit}` : `commit ${resolved.commit} in ${resolved.refName}`,
      );
    }
    await recordTip(gitdir, tipName, want);
    return gitdir;
  });
}
