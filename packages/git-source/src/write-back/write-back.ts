import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from '@weft/reconcile-core';
import * as git from 'isomorphic-git';
import { GitSourceError } from '../errors.js';
import { listRemoteRefs, withRemote } from '../protocol/remote.js';
import { type GitAuth, authHeaders, checkTransport, remoteEndpoint } from '../protocol/transport.js';

/** Options of {@link writeBack}. */
export interface WriteBackOptions {
  url: string;
  auth?: GitAuth;
  /** The branch to start from (Flux's `git.checkout.ref.branch`). */
  branch: string;
  /**
   * The branch to push to (Flux's `git.push.branch`); default `branch`. When it does not
   * exist yet it is created from `branch`; when it exists, the change goes on top of it
   * (or, with `force`, on top of `branch`, replacing it).
   */
  pushBranch?: string;
  /** Replace `pushBranch` instead of fast-forwarding it. */
  force?: boolean;
  author: { name: string; email: string };
  message: string;
  /**
   * Makes the change in a fresh checkout (`dir`); called again on each retry, on the
   * then-current remote state. Return `false` to skip committing.
   */
  change: (dir: string) => Promise<boolean | void> | boolean | void;
  /** How many times to try when the push is not a fast-forward; default 3. */
  attempts?: number;
  /** Per network operation; Go duration or ms, default 60s. */
  timeout?: string | number;
  signal?: AbortSignal;
}

/** The outcome of {@link writeBack}. */
export interface WriteBackResult {
  /** The commit pushed, or `undefined` when nothing changed. */
  commit: string | undefined;
  /** The branch pushed to. */
  branch: string;
  /** How many attempts it took. */
  attempts: number;
}

/** The push kept being rejected as not a fast-forward. Retryable later. */
export class WriteBackConflictError extends GitSourceError {
  override name = 'WriteBackConflictError';
  constructor(url: string, branch: string, attempts: number) {
    super(url, `push to ${branch} was rejected as not a fast-forward ${attempts} times`, { reason: 'PushRejected', retryable: true });
  }
}

/**
 * Commits a change to a branch and pushes it, as Flux's image automation does: clone the
 * branch, apply `change`, commit with the author and message, push to the same or another
 * branch; when the push is rejected because the branch moved, fetch again and re-apply.
 *
 * @remarks
 * Each attempt works in a fresh temporary checkout that is removed afterwards. Nothing is
 * pushed when the change leaves the tree as it was.
 *
 * @throws {@link WriteBackConflictError} after `attempts` rejected pushes.
 * @throws {@link GitAuthError} / {@link GitTimeoutError} / {@link GitFetchError} from the transfer.
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * import { join } from 'node:path';
 * import { writeBack } from '@weft/git-source';
 * await writeBack({
 *   url, branch: 'main', author: { name: 'weft', email: 'weft@example.com' }, message: 'Update image',
 *   change: async (dir) => { await writeFile(join(dir, 'deploy/tag.txt'), 'v1.2.3\n'); },
 * });
 * ```
 */
export async function writeBack(options: WriteBackOptions): Promise<WriteBackResult> {
  checkTransport(options.url);
  const pushBranch = options.pushBranch ?? options.branch;
  const attempts = Math.max(1, options.attempts ?? 3);
  const endpoint = remoteEndpoint(options.url, options.auth);
  const remote = {
    ...(endpoint.auth ? { auth: endpoint.auth } : {}),
    ...(options.timeout !== undefined ? { timeoutMs: parseDuration(options.timeout) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const headers = authHeaders(endpoint.auth);
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), 'weft-write-back-'));
    try {
      const refs = await listRemoteRefs(options.url, remote);
      const pushExists = refs.some((r) => r.ref === `refs/heads/${pushBranch}`);
      const base = pushExists && !options.force ? pushBranch : options.branch;
      await withRemote(options.url, remote, (http) =>
        git.clone({ fs, http, dir, url: endpoint.url, ref: base, singleBranch: true, noTags: true, headers }),
      );
      const changed = await options.change(dir);
      if (changed === false || !(await stageAll(dir))) return { commit: undefined, branch: pushBranch, attempts: attempt };
      const now = Math.floor(Date.now() / 1000);
      const commit = await git.commit({
        fs,
        dir,
        message: options.message,
        author: { ...options.author, timestamp: now, timezoneOffset: 0 },
      });
      const pushed = await withRemote(options.url, remote, async (http) => {
        try {
          const result = await git.push({
            fs,
            http,
            dir,
            url: endpoint.url,
            ref: base,
            remoteRef: `refs/heads/${pushBranch}`,
            force: options.force ?? false,
            headers,
          });
          return result.ok;
        } catch (error) {
          if ((error as { code?: string }).code === 'PushRejectedError') return false;
          throw error;
        }
      });
      if (pushed) return { commit, branch: pushBranch, attempts: attempt };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  throw new WriteBackConflictError(options.url, pushBranch, attempts);
}

/**
 * Stages every added, modified and deleted file; returns whether anything differs from HEAD.
 *
 * @remarks The added and modified files go to the index in one `add` (one index read and write);
 * adding them one by one rewrote the whole index once per file, quadratic in a large checkout.
 * Deletions (rare in a write-back) are removed one by one.
 */
async function stageAll(dir: string): Promise<boolean> {
  const changed: string[] = [];
  const deleted: string[] = [];
  for (const [filepath, head, workdir, stage] of await git.statusMatrix({ fs, dir })) {
    if (head === 1 && workdir === 1 && stage === 1) continue;
    (workdir === 0 ? deleted : changed).push(filepath);
  }
  if (changed.length > 0) await git.add({ fs, dir, filepath: changed });
  for (const filepath of deleted) await git.remove({ fs, dir, filepath });
  return changed.length + deleted.length > 0;
}
