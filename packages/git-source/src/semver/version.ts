import { SemverError } from './errors.js';

/** Go's `uint64` ceiling: Masterminds rejects any segment above it. */
const UINT64_MAX = (1n << 64n) - 1n;
/** Masterminds refuses longer version strings (counted in bytes, as Go does). */
export const MAX_VERSION_LENGTH = 256;

const DIGITS = /^[0-9]*$/;
const IDENTIFIER = /^[0-9A-Za-z-]*$/;

// Loose grammar: partial versions, leading zeros and a lowercase v are accepted (NewVersion's coercion).
const LOOSE =
  /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;
// Without coercion: partial versions and v still pass, leading zeros do not.
const UNCOERCED =
  /^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/**
 * A semantic version as Masterminds semver v3 parses it.
 *
 * @remarks
 * Segments are `bigint` because Masterminds accepts any `uint64`. `original` keeps
 * the string as written (with its `v`, leading zeros or missing segments), which is
 * what Flux reports as the tag of a semver-selected revision. Build metadata never
 * takes part in comparisons.
 *
 * @example
 * ```ts
 * import { parseVersion } from '@weft/git-source';
 * const v = parseVersion('v1.2');
 * v.toString(); // '1.2.0'
 * v.original;   // 'v1.2'
 * ```
 */
export class SemVer {
  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  /** Pre-release identifiers joined by dots, `''` for a release. */
  readonly prerelease: string;
  /** Build metadata joined by dots, `''` when absent. */
  readonly metadata: string;
  /** The string this version was parsed from. */
  readonly original: string;

  constructor(parts: { major: bigint; minor: bigint; patch: bigint; prerelease?: string; metadata?: string; original?: string }) {
    this.major = parts.major;
    this.minor = parts.minor;
    this.patch = parts.patch;
    this.prerelease = parts.prerelease ?? '';
    this.metadata = parts.metadata ?? '';
    this.original = parts.original ?? formatVersion(this);
  }

  /** The canonical form `X.Y.Z[-pre][+meta]`, without a `v`. */
  toString(): string {
    return formatVersion(this);
  }
}

function formatVersion(v: { major: bigint; minor: bigint; patch: bigint; prerelease: string; metadata: string }): string {
  let out = `${v.major}.${v.minor}.${v.patch}`;
  if (v.prerelease !== '') out += `-${v.prerelease}`;
  if (v.metadata !== '') out += `+${v.metadata}`;
  return out;
}

/** Options of {@link parseVersion}. */
export interface ParseVersionOptions {
  /**
   * Masterminds' `CoerceNewVersion` (default `true`): accept leading zeros in the
   * numeric segments (`01.2.3`). Partial versions and a `v` are accepted either way.
   */
  coerce?: boolean;
}

/**
 * Parses a version the way Masterminds' `NewVersion` does: a `v` prefix and partial
 * versions (`1`, `1.2`) are accepted and completed with zeros.
 *
 * @remarks
 * Pre-release identifiers must not be empty nor numeric with a leading zero; build
 * metadata must be non-empty alphanumerics and hyphens. Longer than 256 bytes is refused.
 *
 * @throws {@link SemverError} when the string is not a version.
 * @example
 * ```ts
 * import { parseVersion } from '@weft/git-source';
 * parseVersion('v2.1').toString(); // '2.1.0'
 * ```
 */
export function parseVersion(input: string, options: ParseVersionOptions = {}): SemVer {
  if (byteLength(input) > MAX_VERSION_LENGTH) throw new SemverError('version', input, `longer than ${MAX_VERSION_LENGTH} bytes`);
  const coerce = options.coerce ?? true;
  const match = (coerce ? LOOSE : UNCOERCED).exec(input);
  if (match === null) throw new SemverError('version', input, 'not a semantic version');
  const [major, minor, patch, prerelease, metadata] = coerce
    ? [match[1], match[2]?.slice(1), match[3]?.slice(1), match[5], match[8]]
    : [match[1], match[2], match[3], match[4], match[5]];
  const version = new SemVer({
    major: parseSegment(input, major ?? ''),
    minor: minor === undefined ? 0n : parseSegment(input, minor),
    patch: patch === undefined ? 0n : parseSegment(input, patch),
    prerelease: prerelease ?? '',
    metadata: metadata ?? '',
    original: input,
  });
  checkPrerelease(input, version.prerelease);
  checkMetadata(input, version.metadata);
  return version;
}

/**
 * Parses a strict semantic version 2.0.0 (Masterminds' `StrictNewVersion`): exactly
 * `X.Y.Z`, no `v`, no leading zeros.
 *
 * @throws {@link SemverError} when the string is not a strict version.
 * @example
 * ```ts
 * import { parseStrictVersion } from '@weft/git-source';
 * parseStrictVersion('1.2.3-rc.1').prerelease; // 'rc.1'
 * ```
 */
export function parseStrictVersion(input: string): SemVer {
  if (input === '') throw new SemverError('version', input, 'empty');
  if (byteLength(input) > MAX_VERSION_LENGTH) throw new SemverError('version', input, `longer than ${MAX_VERSION_LENGTH} bytes`);
  const first = input.indexOf('.');
  const second = first < 0 ? -1 : input.indexOf('.', first + 1);
  if (second < 0) throw new SemverError('version', input, 'expected MAJOR.MINOR.PATCH');
  let rest = input.slice(second + 1);
  let metadata = '';
  let prerelease = '';
  const plus = rest.indexOf('+');
  if (plus >= 0) {
    metadata = rest.slice(plus + 1);
    rest = rest.slice(0, plus);
    // A `+` or `-` with nothing after it is an empty identifier, which strict parsing refuses.
    if (metadata === '') throw new SemverError('version', input, 'invalid build metadata');
    checkMetadata(input, metadata);
  }
  const dash = rest.indexOf('-');
  if (dash >= 0) {
    prerelease = rest.slice(dash + 1);
    rest = rest.slice(0, dash);
    if (prerelease === '') throw new SemverError('version', input, 'empty pre-release identifier');
    checkPrerelease(input, prerelease);
  }
  const segments = [input.slice(0, first), input.slice(first + 1, second), rest];
  for (const segment of segments) {
    if (!DIGITS.test(segment)) throw new SemverError('version', input, 'invalid characters in version');
    if (segment.length > 1 && segment.startsWith('0')) throw new SemverError('version', input, 'version segment starts with 0');
  }
  return new SemVer({
    major: parseSegment(input, segments[0] ?? ''),
    minor: parseSegment(input, segments[1] ?? ''),
    patch: parseSegment(input, segments[2] ?? ''),
    prerelease,
    metadata,
    original: input,
  });
}

/**
 * Compares two versions by precedence: `-1`, `0` or `1`.
 *
 * @remarks
 * Build metadata is ignored, so `1.0.0+a` and `1.0.0+b` compare equal. A pre-release
 * sorts before its release; numeric identifiers sort numerically and before
 * alphanumeric ones (Masterminds' rules, which match semver 2.0.0 precedence).
 *
 * @example
 * ```ts
 * import { compareVersions, parseVersion } from '@weft/git-source';
 * compareVersions(parseVersion('1.0.0-rc.10'), parseVersion('1.0.0-rc.9')); // 1
 * ```
 */
export function compareVersions(a: SemVer, b: SemVer): -1 | 0 | 1 {
  const core = compareBig(a.major, b.major) || compareBig(a.minor, b.minor) || compareBig(a.patch, b.patch);
  if (core !== 0) return core;
  if (a.prerelease === '' && b.prerelease === '') return 0;
  if (a.prerelease === '') return 1;
  if (b.prerelease === '') return -1;
  return comparePrerelease(a.prerelease, b.prerelease);
}

/** @internal Pre-release precedence, identifier by identifier. */
export function comparePrerelease(a: string, b: string): -1 | 0 | 1 {
  const left = a.split('.');
  const right = b.split('.');
  const length = Math.max(left.length, right.length);
  for (let i = 0; i < length; i++) {
    const order = compareIdentifier(left[i] ?? '', right[i] ?? '');
    if (order !== 0) return order;
  }
  return 0;
}

function compareIdentifier(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  if (a === '') return -1;
  if (b === '') return 1;
  const aNumber = asUint64(a);
  const bNumber = asUint64(b);
  if (aNumber === undefined && bNumber === undefined) return a > b ? 1 : -1;
  if (aNumber === undefined) return 1;
  if (bNumber === undefined) return -1;
  return aNumber > bNumber ? 1 : -1;
}

function compareBig(a: bigint, b: bigint): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The value of a string of digits that fits a uint64 (Go's `strconv.ParseUint`), else `undefined`. */
function asUint64(text: string): bigint | undefined {
  if (text === '' || !DIGITS.test(text)) return undefined;
  const value = BigInt(text);
  return value > UINT64_MAX ? undefined : value;
}

function parseSegment(input: string, text: string): bigint {
  const value = asUint64(text);
  if (value === undefined) throw new SemverError('version', input, `version segment ${JSON.stringify(text)} is not a uint64`);
  return value;
}

function checkPrerelease(input: string, prerelease: string): void {
  if (prerelease === '') return;
  for (const identifier of prerelease.split('.')) {
    if (identifier === '') throw new SemverError('version', input, 'empty pre-release identifier');
    if (DIGITS.test(identifier)) {
      if (identifier.length > 1 && identifier.startsWith('0')) {
        throw new SemverError('version', input, 'numeric pre-release identifier starts with 0');
      }
    } else if (!IDENTIFIER.test(identifier)) {
      throw new SemverError('version', input, 'invalid pre-release identifier');
    }
  }
}

function checkMetadata(input: string, metadata: string): void {
  if (metadata === '') return;
  for (const identifier of metadata.split('.')) {
    if (identifier === '' || !IDENTIFIER.test(identifier)) throw new SemverError('version', input, 'invalid build metadata');
  }
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
