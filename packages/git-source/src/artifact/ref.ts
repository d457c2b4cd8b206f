import { GitRefNotFoundError } from '../errors.js';
import { type FetchTarget } from '../protocol/fetch.js';
import { type AdvertisedRef } from '../protocol/remote.js';
import { type VersionCandidate, parseConstraint, pickLatestVersion } from '../semver/index.js';

/**
 * Which revision to follow, with Flux's `spec.ref` fields and precedence:
 * `commit` > `name` > `semver` > `tag` > `branch`; with none set, the `master` branch.
 *
 * @remarks
 * `commit` may be combined with `branch`: the branch is fetched and the commit must be in it.
 */
export interface GitRef {
  branch?: string;
  tag?: string;
  semver?: string;
  /** Any refname, e.g. `refs/pull/1/head`, `refs/tags/v1.0.0`. */
  name?: string;
  commit?: string;
}

/** Flux's default branch when `spec.ref` is empty. */
export const DEFAULT_BRANCH = 'master';

/** What a {@link GitRef} resolved to on the remote: the commit to fetch, and the names of its revision. */
export interface ResolvedRef extends FetchTarget {
  /** The short name used in the revision (`main`, `v1.2.0`, `refs/pull/1/head`), or `undefined`. */
  revisionName: string | undefined;
  /** Whether the ref is a tag (so `verify.mode: Tag` applies). */
  isTag: boolean;
}

/**
 * Resolves a {@link GitRef} against the refs a server advertised, with Flux's precedence.
 *
 * @remarks
 * A semver range picks the highest tag that is a strict version after one `v` (Flux's
 * rule); the revision then names the tag as written (`v1.2.0@sha1:…`). A bare `commit`
 * resolves to itself (whether the server has it shows only when fetching).
 *
 * @throws {@link GitRefNotFoundError} when the branch, tag or ref is not advertised or no tag satisfies the range.
 * @throws {@link SemverError} when `semver` is not a valid Masterminds constraint.
 * @example
 * ```ts
 * import { resolveRef } from '@weft/git-source';
 * const latest = resolveRef(url, refs, { semver: '>=1.0.0 <2.0.0' }).revisionName; // e.g. 'v1.4.2'
 * ```
 */
export function resolveRef(url: string, refs: readonly AdvertisedRef[], ref: GitRef = {}): ResolvedRef {
  const byName = new Map(refs.map((r) => [r.ref, r]));
  const lookup = (name: string, what: string, isTag: boolean): ResolvedRef => {
    const found = byName.get(name);
    if (found === undefined) throw new GitRefNotFoundError(url, what);
    const short = name.replace(/^refs\/(heads|tags)\//, '');
    return {
      refName: name,
      revisionName: short,
      commit: found.peeled ?? found.oid,
      tip: found.oid,
      ...(found.peeled !== undefined ? { tagObject: found.oid } : {}),
      isTag,
      shallow: true,
    };
  };
  if (ref.commit !== undefined && ref.commit !== '') {
    const commit = ref.commit.toLowerCase();
    if (ref.branch) {
      const branch = lookup(`refs/heads/${ref.branch}`, `branch ${JSON.stringify(ref.branch)}`, false);
      return { ...branch, commit, shallow: false };
    }
    return { refName: undefined, revisionName: undefined, commit, isTag: false, shallow: false };
  }
  if (ref.name) {
    const resolved = lookup(ref.name, `ref ${JSON.stringify(ref.name)}`, ref.name.startsWith('refs/tags/'));
    // Flux names the revision by the full ref for `name` (e.g. refs/pull/1/head@sha1:…).
    return { ...resolved, revisionName: ref.name };
  }
  if (ref.semver) {
    const constraint = parseConstraint(ref.semver);
    const candidates: (VersionCandidate & { ref: string })[] = refs
      .filter((r) => r.ref.startsWith('refs/tags/'))
      .map((r) => ({ name: r.ref.slice('refs/tags/'.length), ref: r.ref }));
    const best = pickLatestVersion(candidates, constraint);
    if (best === undefined) throw new GitRefNotFoundError(url, `a tag matching semver ${JSON.stringify(ref.semver)}`);
    return lookup(best.candidate.ref, `tag ${best.candidate.name}`, true);
  }
  if (ref.tag) return lookup(`refs/tags/${ref.tag}`, `tag ${JSON.stringify(ref.tag)}`, true);
  const branch = ref.branch || DEFAULT_BRANCH;
  return lookup(`refs/heads/${branch}`, `branch ${JSON.stringify(branch)}`, false);
}

/**
 * Flux's revision string: `<name>@sha1:<commit>`, or `sha1:<commit>` for a bare commit.
 *
 * @example
 * ```ts
 * import { formatRevision } from '@weft/git-source';
 * formatRevision({ revisionName: 'main', commit: 'abc…' }); // 'main@sha1:abc…'
 * ```
 */
export function formatRevision(resolved: Pick<ResolvedRef, 'revisionName' | 'commit'>): string {
  return resolved.revisionName === undefined ? `sha1:${resolved.commit}` : `${resolved.revisionName}@sha1:${resolved.commit}`;
}
