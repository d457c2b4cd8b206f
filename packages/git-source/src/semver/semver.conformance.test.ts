import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConstraintTerm } from './constraint.js';
import { compareVersions, parseConstraint, parseStrictVersion, parseVersion } from './index.js';

interface Tables {
  cases: {
    TestConstraintCheck: { constraint: string; version: string; check: boolean }[];
    TestConstraintsCheck: { constraint: string; version: string; check: boolean }[];
    TestConstraintsCheckIncludePrerelease: { constraint: string; version: string; check: boolean }[];
    TestStrictNewVersion: { version: string; error: boolean }[];
    'TestNewVersion/loose': { version: string; error: boolean }[];
    'TestNewVersion/CoerceNewVersion=false': { version: string; error: boolean }[];
    TestCompare: { v1: string; v2: string; expected: number }[];
  };
}

const tables = JSON.parse(
  readFileSync(new URL('../../test-data/semver/masterminds.json', import.meta.url), 'utf8'),
) as Tables;
const { cases } = tables;

function parses(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch {
    return false;
  }
}

describe('Masterminds semver conformance tables', () => {
  it.each(cases.TestStrictNewVersion)('StrictNewVersion($version) error=$error', ({ version, error }) => {
    expect(parses(() => parseStrictVersion(version))).toBe(!error);
  });

  it.each(cases['TestNewVersion/loose'])('NewVersion($version) error=$error', ({ version, error }) => {
    expect(parses(() => parseVersion(version))).toBe(!error);
  });

  it.each(cases['TestNewVersion/CoerceNewVersion=false'])(
    'NewVersion($version) without coercion error=$error',
    ({ version, error }) => {
      expect(parses(() => parseVersion(version, { coerce: false }))).toBe(!error);
    },
  );

  it.each(cases.TestCompare)('Compare($v1, $v2) = $expected', ({ v1, v2, expected }) => {
    expect(compareVersions(parseVersion(v1), parseVersion(v2))).toBe(expected);
  });

  it.each(cases.TestConstraintCheck)('term $constraint on $version is $check', ({ constraint, version, check }) => {
    expect(parseConstraintTerm(constraint).check(parseVersion(version))).toBe(check);
  });

  it.each(cases.TestConstraintsCheck)('$constraint on $version is $check', ({ constraint, version, check }) => {
    expect(parseConstraint(constraint).check(parseVersion(version))).toBe(check);
  });

  it.each(cases.TestConstraintsCheckIncludePrerelease)(
    '$constraint on $version with pre-releases is $check',
    ({ constraint, version, check }) => {
      expect(parseConstraint(constraint, { includePrerelease: true }).check(parseVersion(version))).toBe(check);
    },
  );
});
