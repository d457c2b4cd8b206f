import { SemverError } from './errors.js';
import { SemVer, compareVersions, comparePrerelease, parseVersion } from './version.js';

/** Masterminds refuses longer constraint strings (bytes). */
export const MAX_CONSTRAINT_LENGTH = 512;
/** Masterminds refuses more `||` groups than this. */
export const MAX_CONSTRAINT_GROUPS = 32;

// Go's \s is ASCII whitespace without \v; JS's \s is wider, so spell it out.
const WS = '[\\t\\n\\f\\r ]';
// The version of a constraint: x, X and * are wildcards, and (as in Masterminds) `|` slips through the class.
const CV =
  'v?([0-9|xX*]+)(\\.[0-9|xX*]+)?(\\.[0-9|xX*]+)?(-([0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*))?(\\+([0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*))?';
// Operators in Masterminds' order; the empty alternative is the bare version (`1.2` means `=1.2`).
const OPS = '=||!=|>|<|>=|=>|<=|=<|~|~>|\\^';
const CV_NC = CV.replace(/\((?!\?)/g, '(?:');
const OPS_NC = `(?:${OPS})`;

const SINGLE = new RegExp(`^${WS}*(${OPS})${WS}*(${CV})${WS}*$`);
const HYPHEN_RANGE = new RegExp(`${WS}*(${CV})${WS}+-${WS}+(${CV})${WS}*`, 'g');
const FIND = new RegExp(`(${OPS})${WS}*(${CV})`, 'g');
// One AND group: terms separated by whitespace or a comma. Written so that no run of
// whitespace can be split two ways (the obvious form backtracks exponentially on bad input).
const VALID_GROUP = new RegExp(
  `^${WS}*${OPS_NC}${WS}*${CV_NC}(?:(?:${WS}+|${WS}*,${WS}*)${OPS_NC}${WS}*${CV_NC})*${WS}*$`,
);

type Operator = '' | '=' | '!=' | '>' | '<' | '>=' | '=>' | '<=' | '=<' | '~' | '~>' | '^';

interface Term {
  readonly operator: Operator;
  /** The version as written in the constraint (`1.x`, `v2`). */
  readonly written: string;
  /** The version with wildcards and missing segments replaced by 0. */
  readonly version: SemVer;
  /** Some segment was a wildcard or missing. */
  readonly dirty: boolean;
  /** The minor (and so the patch) segment was a wildcard or missing. */
  readonly minorDirty: boolean;
  /** Only the patch segment was a wildcard or missing. */
  readonly patchDirty: boolean;
}

/** Options of {@link parseConstraint}. */
export interface ConstraintOptions {
  /**
   * Let pre-release versions satisfy every group (Masterminds' `IncludePrerelease`).
   * Without it a pre-release satisfies only a group that itself names a pre-release.
   */
  includePrerelease?: boolean;
}

/**
 * A parsed Masterminds constraint: `||`-separated groups of terms that must all hold.
 *
 * @remarks
 * Immutable; `check` is pure and cheap, so one constraint can filter thousands of tags.
 */
export interface Constraint {
  /** The constraint string as given. */
  readonly source: string;
  /** Whether `version` satisfies at least one group. */
  check(version: SemVer): boolean;
}

/**
 * Parses a constraint with Masterminds semver v3 semantics, which Flux uses for
 * `GitRepository.spec.ref.semver` and `ImagePolicy` semver ranges.
 *
 * @remarks
 * Differs from node-semver: a comma means AND (`>=1.2, <2`), `||` means OR, wildcards
 * `x`/`X`/`*` and partial versions widen a term (`1.2` means `~1.2`), `~1` and `^0.0`
 * follow Masterminds' tables, `a - b` is `>= a, <= b`, and a pre-release version is
 * considered only by a group that names a pre-release (or with `includePrerelease`).
 *
 * @throws {@link SemverError} when the string is not a valid constraint.
 * @example
 * ```ts
 * import { parseConstraint, parseVersion } from '@weft/git-source';
 * const range = parseConstraint('>=1.2.0, <2.0.0 || 3.x');
 * range.check(parseVersion('3.4.5')); // true
 * ```
 */
export function parseConstraint(input: string, options: ConstraintOptions = {}): Constraint {
  if (Buffer.byteLength(input, 'utf8') > MAX_CONSTRAINT_LENGTH) {
    throw new SemverError('constraint', input, `longer than ${MAX_CONSTRAINT_LENGTH} bytes`);
  }
  const groupsText = rewriteHyphenRanges(input).split('||');
  if (groupsText.length > MAX_CONSTRAINT_GROUPS) {
    throw new SemverError('constraint', input, `more than ${MAX_CONSTRAINT_GROUPS} || groups`);
  }
  const groups = groupsText.map((group) => {
    if (!VALID_GROUP.test(group)) throw new SemverError('constraint', input, `improper constraint ${JSON.stringify(group)}`);
    const terms = [...group.matchAll(FIND)].map((match) => parseTerm(input, match[0]));
    return { terms, namesPrerelease: terms.some((term) => term.version.prerelease !== '') };
  });
  const includePrerelease = options.includePrerelease ?? false;
  return {
    source: input,
    check(version: SemVer): boolean {
      return groups.some((group) =>
        group.terms.every((term) => checkTerm(version, term, includePrerelease || group.namesPrerelease)),
      );
    },
  };
}

/** `a - b` becomes `>= a, <= b`, replacing the first occurrence of each match, as Masterminds does. */
function rewriteHyphenRanges(input: string): string {
  let output = input;
  for (const match of input.matchAll(HYPHEN_RANGE)) {
    const replacement = `>= ${match[1]}, <= ${match[11]} `;
    output = output.replace(match[0], () => replacement);
  }
  return output;
}

/**
 * @internal One term on its own (Masterminds' unexported `parseConstraint`), where the
 * empty string means "any version". Exported for the conformance tables only.
 */
export function parseConstraintTerm(text: string): { check(version: SemVer): boolean } {
  const term: Term =
    text === ''
      ? { operator: '', written: '', version: parseVersion('0.0.0'), dirty: true, minorDirty: false, patchDirty: false }
      : parseTerm(text, text);
  return { check: (version) => checkTerm(version, term, term.version.prerelease !== '') };
}

function parseTerm(input: string, text: string): Term {
  const match = SINGLE.exec(text);
  if (match === null) throw new SemverError('constraint', input, `improper constraint ${JSON.stringify(text)}`);
  const operator = (match[1] ?? '') as Operator;
  const written = match[2] ?? '';
  const major = match[3] ?? '';
  const minor = match[4] ?? '';
  const patch = match[5] ?? '';
  const prerelease = match[6] ?? '';
  let versionText = written;
  let dirty = false;
  let minorDirty = false;
  let patchDirty = false;
  if (isWildcard(major) || major === '') {
    versionText = `0.0.0${prerelease}`;
    dirty = true;
  } else if (isWildcard(minor.slice(1)) || minor === '') {
    versionText = `${major}.0.0${prerelease}`;
    dirty = true;
    minorDirty = true;
  } else if (isWildcard(patch.slice(1)) || patch === '') {
    versionText = `${major}${minor}.0${prerelease}`;
    dirty = true;
    patchDirty = true;
  }
  let version: SemVer;
  try {
    version = parseVersion(versionText);
  } catch (error) {
    throw new SemverError('constraint', input, `cannot parse version ${JSON.stringify(written)} of ${JSON.stringify(text)}`);
  }
  return { operator, written, version, dirty, minorDirty, patchDirty };
}

function isWildcard(text: string): boolean {
  return text === 'x' || text === 'X' || text === '*';
}

function checkTerm(v: SemVer, term: Term, includePrerelease: boolean): boolean {
  if (v.prerelease !== '' && !includePrerelease) return false;
  switch (term.operator) {
    case '':
    case '=':
      return term.dirty ? tilde(v, term) : compareVersions(v, term.version) === 0;
    case '!=':
      return notEqual(v, term);
    case '>':
      return greaterThan(v, term);
    case '<':
      return compareVersions(v, term.version) < 0;
    case '>=':
    case '=>':
      return compareVersions(v, term.version) >= 0;
    case '<=':
    case '=<':
      return lessThanOrEqual(v, term);
    case '~':
    case '~>':
      return tilde(v, term);
    case '^':
      return caret(v, term);
  }
}

function notEqual(v: SemVer, term: Term): boolean {
  const c = term.version;
  if (term.dirty) {
    if (c.major !== v.major) return true;
    if (c.minor !== v.minor && !term.minorDirty) return true;
    if (term.minorDirty) return false;
    if (c.patch !== v.patch && !term.patchDirty) return true;
    if (term.patchDirty) {
      if (v.prerelease !== '' || c.prerelease !== '') return comparePrerelease(v.prerelease, c.prerelease) !== 0;
      return false;
    }
  }
  return compareVersions(v, c) !== 0;
}

function greaterThan(v: SemVer, term: Term): boolean {
  const c = term.version;
  if (!term.dirty) return compareVersions(v, c) === 1;
  if (v.major > c.major) return true;
  if (v.major < c.major) return false;
  // `>1` wants 2.0.0 or later, `>1.1` wants 1.2.0 or later.
  if (term.minorDirty) return false;
  if (term.patchDirty) return v.minor > c.minor;
  return compareVersions(v, c) === 1;
}

function lessThanOrEqual(v: SemVer, term: Term): boolean {
  const c = term.version;
  if (!term.dirty) return compareVersions(v, c) <= 0;
  if (v.major > c.major) return false;
  if (v.major === c.major && v.minor > c.minor && !term.minorDirty) return false;
  return true;
}

function tilde(v: SemVer, term: Term): boolean {
  const c = term.version;
  if (compareVersions(v, c) < 0) return false;
  // ~0.0.0 accepts everything.
  if (c.major === 0n && c.minor === 0n && c.patch === 0n && !term.minorDirty && !term.patchDirty) return true;
  if (v.major !== c.major) return false;
  if (v.minor !== c.minor && !term.minorDirty) return false;
  return true;
}

function caret(v: SemVer, term: Term): boolean {
  const c = term.version;
  if (compareVersions(v, c) < 0) return false;
  if (c.major > 0n || term.minorDirty) return v.major === c.major;
  if (v.major > 0n) return false;
  if (c.minor > 0n || term.patchDirty) return v.minor === c.minor;
  if (v.minor > 0n) return false;
  return v.patch === c.patch;
}
