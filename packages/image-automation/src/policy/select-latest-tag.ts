import { InvalidPolicyError } from '../errors.js';
import type { NoTagSelectedError } from '../errors.js';
import { type GoRegexp, GoRegexpSyntaxError, compileGoRegexp } from '../go-regexp.js';
import { alphabeticalOrder } from './alphabetical-order.js';
import { calverOrder } from './calver-order.js';
import { numericalOrder } from './numerical-order.js';
import { semverOrder } from './semver-order.js';
import type { TagOrder } from './tag-order.js';
import type { ImagePolicyChoice, TagSelectionSpec } from './types.js';

/** A compiled {@link TagSelectionSpec}: validate once, select from many tag lists. */
export interface TagSelector {
  /** How errors name the policy, e.g. `semver policy ">=1.0"`. */
  readonly describe: string;
  /**
   * The winning tag, as the registry lists it.
   * @throws {@link NoTagSelectedError} when no tag qualifies.
   */
  select(tags: readonly string[]): string;
}

/**
 * Compiles a policy and filter once, for selecting from many tag lists (the ImagePolicy
 * reconciler keeps one per object generation).
 *
 * @throws {@link InvalidPolicyError} when the spec can never select anything.
 * @example
 * ```ts
 * import { compileTagSelector } from '@weft/image-automation';
 * const selector = compileTagSelector({ policy: { semver: { range: '^1' } } });
 * selector.select(['1.0.0', '1.4.2', '2.0.0']); // '1.4.2'
 * ```
 */
export function compileTagSelector(spec: TagSelectionSpec): TagSelector {
  const order = policyOrder(spec.policy);
  const filter = spec.filterTags;
  if (filter === undefined) return { describe: order.describe, select: (tags) => order.latest(tags) };
  const pattern = filter.pattern ?? '';
  const extract = filter.extract ?? '';
  let regexp: GoRegexp;
  try {
    regexp = compileGoRegexp(pattern);
  } catch (error) {
    const detail = error instanceof GoRegexpSyntaxError ? error.message : String(error);
    throw new InvalidPolicyError(order.describe, `invalid regular expression pattern '${pattern}': ${detail}`, error);
  }
  return {
    describe: order.describe,
    select(tags) {
      // Flux keeps the extracted values in a map (the last tag giving a value wins) and hands the
      // keys to the policy in Go's random map order; Weft hands them over in order of first
      // appearance, so ties (equal versions or numbers) are broken the same way on every run.
      const originals = new Map<string, string>();
      const keys: string[] = [];
      for (const tag of tags) {
        const match = regexp.match(tag);
        if (match === null) continue;
        const key = extract === '' ? tag : regexp.expand(extract, tag, match);
        if (!originals.has(key)) keys.push(key);
        originals.set(key, tag);
      }
      return originals.get(order.latest(keys))!;
    },
  };
}

/**
 * Selects the latest tag as Flux's ImagePolicy does: filter and extract with `filterTags`,
 * then order by the policy, and return the original tag that wins.
 *
 * @remarks
 * The default behaviour is Flux's own, including what surprises people:
 * - a semver tag needs three dot-separated parts (`1.2` is skipped), a leading `v` and leading
 *   zeros are fine (`v2025.02.03`);
 * - a range without a pre-release excludes pre-releases (`>=1.0.0` never picks `1.1.0-rc.1`;
 *   `>=1.0.0-0` does);
 * - pre-release identifiers with letters compare as strings, so `1.0.0-rc10` is *below*
 *   `1.0.0-rc9` (opt into `prereleaseOrder: 'natural'` to change that);
 * - alphabetical order is byte order (`2024.9.30` is above `2024.10.1`; see the `calver` policy);
 * - numerical parses *every* candidate as a float, so one tag like `latest` fails the whole
 *   selection (filter first), and `1e3`, `0x1p4`, `1_000`, `Inf`, `NaN` are numbers;
 * - `extract` follows Go's template rules: `$1x` means the group named `1x` (empty), write `${1}x`.
 *
 * Ties (equal versions or numbers under different tags) go to the earlier tag for semver and
 * calver and to the later one for numerical, as Flux's loops do over the same list; the
 * ImagePolicy reconciler passes tags in Flux's stored order (descending by name). Where Flux
 * iterates a Go map (after `filterTags`) it is random; Weft uses the order of the input.
 *
 * @throws {@link InvalidPolicyError} (not retryable) when the spec is invalid.
 * @throws {@link NoTagSelectedError} (retryable) when no tag qualifies.
 * @example
 * ```ts
 * import { selectLatestTag } from '@weft/image-automation';
 * selectLatestTag(['main-a1b2c3-1700000100', 'main-d4e5f6-1700000200', 'v1.0.0'], {
 *   policy: { numerical: { order: 'asc' } },
 *   filterTags: { pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)$', extract: '$ts' },
 * }); // 'main-d4e5f6-1700000200'
 * ```
 */
export function selectLatestTag(tags: readonly string[], spec: TagSelectionSpec): string {
  return compileTagSelector(spec).select(tags);
}

function policyOrder(policy: ImagePolicyChoice | undefined): TagOrder {
  if (policy?.semver) return semverOrder(policy.semver);
  if (policy?.alphabetical) return alphabeticalOrder(policy.alphabetical);
  if (policy?.numerical) return numericalOrder(policy.numerical);
  if (policy?.calver) return calverOrder(policy.calver);
  throw new InvalidPolicyError('image policy', 'given ImagePolicyChoice object is invalid: set one of semver, alphabetical, numerical or calver');
}
