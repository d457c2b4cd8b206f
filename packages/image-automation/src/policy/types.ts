/** The direction of an ordered policy: `asc` selects the highest value, `desc` the lowest (Flux's meaning). */
export type PolicyOrder = 'asc' | 'desc';

/**
 * `spec.policy.semver`: the highest tag that is a version within `range` (Masterminds semantics).
 *
 * @remarks
 * `prereleaseOrder` is Weft's addition: `'natural'` compares digit runs inside pre-release
 * identifiers as numbers, so `1.0.0-rc10` is above `1.0.0-rc9` (flux2 #4599). The default,
 * `'semver'`, is the semver specification's (and Flux's) order, where `rc10` sorts before `rc9`
 * because identifiers that are not all digits compare as strings.
 */
export interface SemverPolicy {
  range: string;
  prereleaseOrder?: 'semver' | 'natural';
}

/** `spec.policy.alphabetical`: byte-wise string order (Go's `sort.Strings`). */
export interface AlphabeticalPolicy {
  order?: PolicyOrder;
}

/** `spec.policy.numerical`: every candidate parsed as a Go float64 (`strconv.ParseFloat`). */
export interface NumericalPolicy {
  order?: PolicyOrder;
}

/**
 * `spec.policy.calver`, Weft's addition (image-reflector-controller #250): tags made of
 * dot-separated numbers (`2024.10.1`, `24.04`, `2024.01.05.3`, an optional leading `v`),
 * compared number by number, so `2024.10.1` is above `2024.9.30`. Missing segments count as
 * zero; other tags are skipped (use `filterTags` to extract the calendar part of a longer tag).
 */
export interface CalverPolicy {
  order?: PolicyOrder;
}

/**
 * `spec.policy` of an ImagePolicy: exactly one of Flux's `semver`, `alphabetical`,
 * `numerical`, or Weft's `calver`. When several are set, the first of `semver`,
 * `alphabetical`, `numerical`, `calver` is used, as Flux does for its three.
 */
export interface ImagePolicyChoice {
  semver?: SemverPolicy;
  alphabetical?: AlphabeticalPolicy;
  numerical?: NumericalPolicy;
  calver?: CalverPolicy;
}

/**
 * `spec.filterTags`: keep the tags `pattern` matches (Go regexp syntax, unanchored), and
 * compare `extract` (a Go `Regexp.Expand` template such as `$ts` or `${1}`) instead of the tag.
 * An empty `pattern` matches every tag; an empty `extract` compares the tag itself.
 */
export interface TagFilter {
  pattern?: string;
  extract?: string;
}

/** What {@link selectLatestTag} needs: the policy and, optionally, the filter. */
export interface TagSelectionSpec {
  policy: ImagePolicyChoice;
  filterTags?: TagFilter;
}
