import { SemverError } from './errors.js';
import { type Constraint } from './constraint.js';
import { type SemVer, compareVersions, parseStrictVersion, parseVersion } from './version.js';

/**
 * Parses a tag the way Flux does (`fluxcd/pkg/version.ParseVersion`): strict semver
 * after removing one leading `v`, so `v1.2.3` passes and `1.2` or `v01.2.3` do not.
 *
 * @remarks
 * The returned version keeps the tag as `original`, including its `v`.
 *
 * @throws {@link SemverError} when the tag is not a strict version.
 * @example
 * ```ts
 * import { parseFluxVersion } from '@weft/git-source';
 * parseFluxVersion('v1.2.3').original; // 'v1.2.3'
 * ```
 */
export function parseFluxVersion(tag: string): SemVer {
  parseStrictVersion(tag.startsWith('v') ? tag.slice(1) : tag);
  return parseVersion(tag);
}

/** A candidate of {@link pickLatestVersion}: a name (tag) and, to break ties, when it was made. */
export interface VersionCandidate {
  /** The tag name, e.g. `v1.2.3`. */
  name: string;
  /** Commit time of what the tag points to (ms since epoch); breaks ties between equal versions. */
  time?: number;
}

/**
 * Picks the highest candidate whose name satisfies the constraint, as Flux's semver
 * checkout does.
 *
 * @remarks
 * Names that are not strict versions (after one `v`) are skipped. Versions equal in
 * precedence (differing only in build metadata) are ordered by `time`, the latest
 * winning; with equal times the later candidate in input order wins.
 *
 * @returns the chosen candidate and its version, or `undefined` when none matches.
 * @example
 * ```ts
 * import { parseConstraint, pickLatestVersion } from '@weft/git-source';
 * pickLatestVersion([{ name: 'v1.0.0' }, { name: 'v1.1.0' }], parseConstraint('~1.0'))?.candidate.name; // 'v1.0.0'
 * ```
 */
export function pickLatestVersion<C extends VersionCandidate>(
  candidates: readonly C[],
  constraint: Constraint,
): { candidate: C; version: SemVer } | undefined {
  let best: { candidate: C; version: SemVer } | undefined;
  for (const candidate of candidates) {
    let version: SemVer;
    try {
      version = parseFluxVersion(candidate.name);
    } catch (error) {
      if (error instanceof SemverError) continue;
      throw error;
    }
    if (!constraint.check(version)) continue;
    if (best === undefined) {
      best = { candidate, version };
      continue;
    }
    const order = compareVersions(version, best.version);
    if (order > 0 || (order === 0 && (candidate.time ?? 0) >= (best.candidate.time ?? 0))) best = { candidate, version };
  }
  return best;
}
