import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as git from 'isomorphic-git';
import { GitRefNotFoundError, redactUrl } from './errors.js';
import { type ResolvedRef } from './ref.js';
import { type RemoteOptions, withRemote } from './remote.js';
import { authHeaders, checkTransport } from './transport.js';

/** Options of {@link fetchCommit}. */
export interface FetchCommitOptions extends RemoteOptions {
  /** Directory of the persistent per-repository caches. */
  cacheDir: string;
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

/** The bare cache repository for a URL: one for shallow fetches, one for full history. */
export function cacheGitdir(cacheDir: string, url: string, shallow: boolean): string {
  const key = createHash('sha256').update(url).digest('hex').slice(0, 24);
  return join(cacheDir, `${key}${shallow ? '-shallow' : ''}.git`);
}

/**
 * Makes sure the resolved commit is in the local cache of the repository, fetching only
 * what is missing: a branch or tag tip shallowly (depth 1), a pinned commit with history.
 *
 * @remarks
 * The cache persists across calls, so the next poll fetches only new objects; when the
 * commit is already present no request is made. Concurrent calls for one repository in
 * this process are serialized.
 *
 * @returns the git directory holding the commit.
 * @throws {@link GitRefNotFoundError} when the commit is not on the remote (or not in the branch).
 * @throws {@link GitAuthError} / {@link GitTimeoutError} / {@link GitFetchError} from the transfer.
 * @example
 * ```ts
 * const gitdir = await fetchCommit(url, resolveRef(url, await listRemoteRefs(url), { branch: 'main' }), { cacheDir });
 * ```
 */
export async function fetchCommit(url: string, resolved: ResolvedRef, options: FetchCommitOptions): Promise<string> {
  checkTransport(url);
  const gitdir = cacheGitdir(options.cacheDir, url, resolved.shallow);
  return withLock(gitdir, async () => {
    await mkdir(gitdir, { recursive: true });
    if (!fs.existsSync(join(gitdir, 'HEAD'))) {
      await git.init({ fs, gitdir, bare: true });
      await git.addRemote({ fs, gitdir, remote: 'origin', url: redactUrl(url) });
      // Any ref kind (branches, tags, refs/pull/…) lands under refs/weft/ in the cache.
      await git.setConfig({ fs, gitdir, path: 'remote.origin.fetch', value: '+refs/*:refs/weft/*' });
    }
    const present = async () =>
      (await hasCommit(gitdir, resolved.commit)) &&
      (resolved.tagObject === undefined || (await hasObject(gitdir, resolved.tagObject)));
    if (await present()) return gitdir;
    await withRemote(url, options, (http) =>
      git.fetch({
        fs,
        http,
        gitdir,
        url,
        headers: authHeaders(options.auth),
        tags: false,
        ...(resolved.refName !== undefined
          ? { ref: resolved.refName, remoteRef: resolved.refName, singleBranch: true }
          : { singleBranch: false }),
        ...(resolved.shallow ? { depth: 1 } : {}),
      }),
    );
    if (!(await present())) {
      throw new GitRefNotFoundError(
        url,
        resolved.refName === undefined ? `commit ${resolved.commit}` : `commit ${resolved.commit} in ${resolved.refName}`,
      );
    }
    return gitdir;
  });
}

async function hasCommit(gitdir: string, oid: string): Promise<boolean> {
  if (!/^[0-9a-f]{40}$/.test(oid)) return false;
  try {
    await git.readCommit({ fs, gitdir, oid });
    return true;
  } catch {
    return false;
  }
}

async function hasObject(gitdir: string, oid: string): Promise<boolean> {
  try {
    await git.readObject({ fs, gitdir, oid, format: 'deflated' });
    return true;
  } catch {
    return false;
  }
}
