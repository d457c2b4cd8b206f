import { type Constraint, type SemVer, compareVersions, parseConstraint, parseVersion } from '@weft/git-source';
import { InvalidPolicyError, NoTagSelectedError } from '../errors.js';
import { type TagOrder, emptyList } from './tag-order.js';
import type { SemverPolicy } from './types.js';

/**
 * Parses a tag as Flux does (`fluxcd/pkg/version.ParseVersion`): it must have three
 * dot-separated parts, then Masterminds' `NewVersion` decides, so `v1.2.3` and
 * `2025.02.03` (leading zeros) are versions and `1.2` or `1.0.0.1` are not.
 *
 * @returns the version, or `undefined` for a tag that is not one.
 * @example
 * ```ts
 * import { parseTagVersion } from '@weft/image-automation';
 * parseTagVersion('v2025.02.03-rc.1')?.toString(); // '2025.2.3-rc.1'
 * parseTagVersion('1.2');                          // undefined
 * ```
 */
export function parseTagVersion(tag: string): SemVer | undefined {
  const firstDot = tag.indexOf('.');
  if (firstDot < 0 || tag.indexOf('.', firstDot + 1) < 0) return undefined;
  // Most tags that are not versions fail here, without the cost of a thrown error.
  if (!MAYBE_VERSION.test(tag)) return undefined;
  try {
    return parseVersion(tag);
  } catch {
    return undefined;
  }
}

/** A superset of what Masterminds' NewVersion accepts: anything else is certainly not a version. */
const MAYBE_VERSION = /^v?[0-9]+(?:\.[0-9]+){0,2}(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** The semver policy: the highest version within the range, ties to the earlier candidate (Go's strict `GreaterThan`). */
export function semverOrder(policy: SemverPolicy): TagOrder {
  const describe = `semver policy ${JSON.stringify(policy.range)}`;
  let constraint: Constraint;
  try {
    constraint = parseConstraint(policy.range);
  } catch (error) {
    throw new InvalidPolicyError(describe, error instanceof Error ? error.message : String(error), error);
  }
  const prereleaseOrder = policy.prereleaseOrder ?? 'semver';
  if (prereleaseOrder !== 'semver' && prereleaseOrder !== 'natural') {
    throw new InvalidPolicyError(describe, `invalid prereleaseOrder '${String(prereleaseOrder)}', must be one of: semver, natural`);
  }
  const compare = prereleaseOrder === 'natural' ? compareNatural : compareVersions;
  return {
    describe,
    latest(candidates) {
      if (candidates.length === 0) throw emptyList(describe);
      let best: SemVer | undefined;
      for (const candidate of candidates) {
        const version = parseTagVersion(candidate);
        if (version === undefined || !constraint.check(version)) continue;
        if (best === undefined || compare(version, best) > 0) best = version;
      }
      if (best === undefined) throw new NoTagSelectedError(describe, 'unable to determine latest version from provided list');
      return best.original;
    },
  };
}

/**
 * Semver precedence, except that inside a pre-release identifier runs of digits compare as
 * numbers (`rc9` < `rc10`, `beta2.x` < `beta10.x`); identifiers that are all digits still sort
 * below the others, as the specification says.
 */
export function compareNatural(a: SemVer, b: SemVer): -1 | 0 | 1 {
  if (a.major !== b.major) return a.major > b.major ? 1 : -1;
  if (a.minor !== b.minor) return a.minor > b.minor ? 1 : -1;
  if (a.patch !== b.patch) return a.patch > b.patch ? 1 : -1;
  if (a.prerelease === b.prerelease) return 0;
  if (a.prerelease === '') return 1;
  if (b.prerelease === '') return -1;
  const left = a.prerelease.split('.');
  const right = b.prerelease.split('.');
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    if (i >= left.length) return -1;
    if (i >= right.length) return 1;
    const order = compareIdentifierNaturally(left[i]!, right[i]!);
    if (order !== 0) return order;
  }
  return 0;
}

const ALL_DIGITS = /^[0-9]+$/;
const RUNS = /[0-9]+|[^0-9]+/g;

function compareIdentifierNaturally(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  const aNumeric = ALL_DIGITS.test(a);
  const bNumeric = ALL_DIGITS.test(b);
  if (aNumeric && bNumeric) return compareDigits(a, b);
  if (aNumeric) return -1;
  if (bNumeric) return 1;
  const left = a.match(RUNS) ?? [];
  const right = b.match(RUNS) ?? [];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i]!;
    const y = right[i]!;
    const order = ALL_DIGITS.test(x) && ALL_DIGITS.test(y) ? compareDigits(x, y) : x < y ? -1 : x > y ? 1 : 0;
    if (order !== 0) return order;
  }
  if (left.length !== right.length) return left.length < right.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares two digit strings as numbers of any size (`09` equals `9`). */
export function compareDigits(a: string, b: string): -1 | 0 | 1 {
  const x = a.replace(/^0+(?=.)/, '');
  const y = b.replace(/^0+(?=.)/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}
