/**
 * selectLatestTag as a pure function: the cases of image-reflector-controller's own policy tests
 * (internal/policy/*_test.go, internal/controller/policy_test.go), the cases users trip over,
 * and Weft's opt-in orders. The differential test against Go runs beside this one.
 */
import { describe, expect, it } from 'vitest';
import { InvalidPolicyError, NoTagSelectedError, compileGoRegexp, parseGoFloat, selectLatestTag } from '../index.js';

const semver = (range: string) => ({ policy: { semver: { range } } });
const alphabetical = (order?: 'asc' | 'desc') => ({ policy: { alphabetical: order ? { order } : {} } });
const numerical = (order?: 'asc' | 'desc') => ({ policy: { numerical: order ? { order } : {} } });

describe('semver policy (Flux semver_test.go)', () => {
  it.each(['1.0.x', '^1.0', '=1.0.0', '~1.0', '>=1.0', '>0,<2.0'])('accepts the range %s', (range) => {
    expect(() => selectLatestTag(['1.0.0'], semver(range))).not.toThrow(InvalidPolicyError);
  });
  it.each(['1.0.0p', '1x', 'x1', '-1', 'a', '', '*-*'])('refuses the range %j as an invalid policy', (range) => {
    expect(() => selectLatestTag(['1.0.0'], semver(range))).toThrow(InvalidPolicyError);
    try {
      selectLatestTag(['1.0.0'], semver(range));
    } catch (error) {
      expect((error as InvalidPolicyError).reason).toBe('InvalidPolicy');
      expect((error as InvalidPolicyError).retryable).toBe(false);
      expect((error as Error).message).toContain(`semver policy ${JSON.stringify(range)}`);
    }
  });
  it('picks the highest in range and skips what is not a version', () => {
    expect(selectLatestTag(['1.0.0', '1.0.0.1', '1.0.0p', '1.0.1', '1.2.0', '0.1.0'], semver('1.0.x'))).toBe('1.0.1');
  });
  it('returns the tag as written, v and all', () => {
    expect(selectLatestTag(['v1.2.3', 'v1.0.0', 'v0.1.0'], semver('1.0.x'))).toBe('v1.0.0');
  });
  it('fails (retryably) when nothing qualifies', () => {
    for (const tags of [['b1.2.3', 'b1.0.0', 'b0.1.0'], [], ['1.2.0']]) {
      expect(() => selectLatestTag(tags, semver('1.0.x'))).toThrow(NoTagSelectedError);
    }
    expect(() => selectLatestTag(['1.2.0'], semver('1.0.x'))).toThrow(/unable to determine latest version from provided list/);
    expect(() => selectLatestTag([], semver('1.0.x'))).toThrow(/version list argument cannot be empty/);
  });
  it('excludes pre-releases unless the range names one (controller test: 1.0.x over 1.1.0-alpha)', () => {
    const tags = ['0.1.0', '0.1.1', '0.2.0', '1.0.0', '1.0.1', '1.0.2', '1.1.0-alpha'];
    expect(selectLatestTag(tags, semver('1.0.x'))).toBe('1.0.2');
    expect(selectLatestTag(tags, semver('>=1.0.0'))).toBe('1.0.2');
    expect(selectLatestTag(tags, semver('>=1.0.0-0'))).toBe('1.1.0-alpha');
  });
  it('needs three dot-separated parts, accepts leading zeros (CalVer as semver) and partial pre-release forms', () => {
    expect(selectLatestTag(['1.2', '1.1.0'], semver('*'))).toBe('1.1.0');
    expect(selectLatestTag(['v2025.02.03', 'v2024.12.31'], semver('>=2024.0.0'))).toBe('v2025.02.03');
    // Three parts once split at the first two dots; Masterminds then reads 1.2 with a pre-release.
    expect(selectLatestTag(['1.2-rc.1.0'], semver('>=1.0.0-0'))).toBe('1.2-rc.1.0');
  });
  it('sorts rc10 below rc9 by default (the semver spec compares them as strings)', () => {
    expect(selectLatestTag(['1.0.0-rc9', '1.0.0-rc10'], semver('>=1.0.0-0'))).toBe('1.0.0-rc9');
    expect(selectLatestTag(['1.0.0-rc.9', '1.0.0-rc.10'], semver('>=1.0.0-0'))).toBe('1.0.0-rc.10');
  });
  it('breaks ties between equal versions by the earlier tag (build metadata does not count)', () => {
    expect(selectLatestTag(['v1.0.0', '1.0.0'], semver('*'))).toBe('v1.0.0');
    expect(selectLatestTag(['1.0.0+b', '1.0.0+a'], semver('*'))).toBe('1.0.0+b');
  });
});

describe('natural pre-release order (opt-in, flux2 #4599)', () => {
  const natural = (range: string) => ({ policy: { semver: { range, prereleaseOrder: 'natural' as const } } });
  it('puts rc10 above rc9', () => {
    expect(selectLatestTag(['1.0.0-rc9', '1.0.0-rc10', '1.0.0-rc2'], natural('>=1.0.0-0'))).toBe('1.0.0-rc10');
    expect(selectLatestTag(['2.0.0-beta2.x', '2.0.0-beta10.x'], natural('>=1.0.0-0'))).toBe('2.0.0-beta10.x');
  });
  it('keeps semver order elsewhere: releases above pre-releases, numeric identifiers below words, ranges unchanged', () => {
    expect(selectLatestTag(['1.0.0-rc10', '1.0.0'], natural('>=1.0.0-0'))).toBe('1.0.0');
    expect(selectLatestTag(['1.0.0-1', '1.0.0-a'], natural('>=1.0.0-0'))).toBe('1.0.0-a');
    expect(selectLatestTag(['1.0.0-rc10', '0.9.0'], natural('>=0.1.0'))).toBe('0.9.0');
    expect(selectLatestTag(['1.0.0-rc', '1.0.0-rc1'], natural('>=1.0.0-0'))).toBe('1.0.0-rc1');
  });
  it('refuses an unknown order', () => {
    expect(() => selectLatestTag(['1.0.0'], { policy: { semver: { range: '*', prereleaseOrder: 'loose' as never } } })).toThrow(InvalidPolicyError);
  });
});

describe('alphabetical policy (Flux alphabetical_test.go)', () => {
  const calver = ['16.04', '16.04.1', '16.10', '20.04', '20.10'];
  const names = ['xenial', 'yakkety', 'zesty', 'artful', 'bionic'];
  const stamps = ['1606234201', '1606364286', '1606334092', '1606334284', '1606334201'];
  it.each([
    [calver, undefined, '20.10'],
    [calver, 'desc', '16.04'],
    [names, undefined, 'zesty'],
    [names, 'desc', 'artful'],
    [stamps, undefined, '1606364286'],
    [stamps, 'desc', '1606234201'],
    [stamps.map((s) => `rel-${s}`), undefined, 'rel-1606364286'],
  ] as const)('%j %s -> %s', (tags, order, expected) => {
    expect(selectLatestTag(tags, alphabetical(order))).toBe(expected);
  });
  it('accepts ASC/DESC in any case and refuses others', () => {
    expect(selectLatestTag(['a', 'b'], { policy: { alphabetical: { order: 'DESC' as never } } })).toBe('a');
    expect(() => selectLatestTag(['a'], { policy: { alphabetical: { order: 'invalid' as never } } })).toThrow(/invalid order argument provided: 'INVALID'/);
    expect(() => selectLatestTag([], alphabetical())).toThrow(NoTagSelectedError);
  });
  it('is byte order, so 2024.9.30 sorts above 2024.10.1 (see calver)', () => {
    expect(selectLatestTag(['2024.10.1', '2024.9.30'], alphabetical())).toBe('2024.9.30');
    expect(selectLatestTag(['B', 'a', 'Z'], alphabetical())).toBe('a');
  });
});

describe('numerical policy (Flux numerical_test.go)', () => {
  it.each([
    [['-62', '-88', '73', '72', '15', '16', '15', '29', '-33', '-91'], undefined, '73'],
    [['5', '-8', '-78', '25', '70', '-4', '80', '92', '-20', '-24'], 'desc', '-78'],
    [['47.40896403322944', '-27.8520927455902', '53.47333823144817', '3.2008658570411086'], undefined, '53.47333823144817'],
    [['-65.27202780220686', '57.82948329142309', '-90.29082099756083', '16.06867070412028'], 'desc', '-90.29082099756083'],
    [['1606234201', '1606364286', '1606334092', '1606334284', '1606334201'], undefined, '1606364286'],
    [['1606234201', '1606364286', '1606334092', '1606334284', '1606334201'], 'desc', '1606234201'],
    [['1'], undefined, '1'],
    [['1'], 'desc', '1'],
  ] as const)('%j %s -> %s', (tags, order, expected) => {
    expect(selectLatestTag(tags, numerical(order))).toBe(expected);
    expect(selectLatestTag([...tags].reverse(), numerical(order))).toBe(expected);
  });
  it('fails the whole selection on one tag that is not a number', () => {
    expect(() => selectLatestTag(['0', '1a', 'b'], numerical())).toThrow(/failed to parse invalid numeric value '1a'/);
    expect(() => selectLatestTag(['5', 'latest'], numerical())).toThrow(NoTagSelectedError);
    expect(() => selectLatestTag([], numerical())).toThrow(/version list argument cannot be empty/);
  });
  it('reads numbers as Go does', () => {
    expect(selectLatestTag(['1e3', '999', '0x1p9'], numerical())).toBe('1e3');
    expect(selectLatestTag(['1_000', '999'], numerical())).toBe('1_000');
    // An equal value replaces the best so far.
    expect(selectLatestTag(['1', '1.0', '01'], numerical())).toBe('01');
    expect(() => selectLatestTag(['1e400'], numerical())).toThrow(NoTagSelectedError);
  });
});

describe('calver policy (opt-in, image-reflector-controller #250)', () => {
  const calver = (order?: 'asc' | 'desc') => ({ policy: { calver: order ? { order } : {} } });
  it('compares the numbers one by one', () => {
    expect(selectLatestTag(['2024.9.30', '2024.10.1', '2024.10'], calver())).toBe('2024.10.1');
    expect(selectLatestTag(['24.04', '23.10', '24.04.1', 'latest'], calver())).toBe('24.04.1');
    expect(selectLatestTag(['v2024.01.05.3', 'v2024.01.05.12'], calver())).toBe('v2024.01.05.12');
    expect(selectLatestTag(['2024.9.30', '2024.10.1'], calver('desc'))).toBe('2024.9.30');
  });
  it('skips other tags and fails when none is a calendar version', () => {
    expect(() => selectLatestTag(['latest', 'main-abc'], calver())).toThrow(NoTagSelectedError);
  });
  it('works after filterTags extracts the calendar part', () => {
    expect(
      selectLatestTag(['app-2024.9.30-x', 'app-2024.10.1-y', 'other-2030.1.1'], {
        policy: { calver: {} },
        filterTags: { pattern: '^app-(?P<date>[0-9.]+)-', extract: '$date' },
      }),
    ).toBe('app-2024.10.1-y');
  });
});

describe('filterTags (Flux filter_test.go and the controller tests)', () => {
  it('keeps matching tags and compares the extracted value', () => {
    const tags = ['test-0.1.0', 'test-0.1.1', 'dev-0.2.0', '1.0.0', '1.0.1', '1.0.2', '1.1.0-alpha'];
    expect(selectLatestTag(tags, { ...semver('>=0.x'), filterTags: { pattern: '^test-(.*)$', extract: '$1' } })).toBe('test-0.1.1');
    expect(selectLatestTag(['ver1', 'ver2', 'ver3', 'rel1'], { ...numerical(), filterTags: { pattern: 'ver(\\d+)', extract: '$1' } })).toBe('ver3');
    expect(selectLatestTag(['ver1', 'ver2', 'rel9'], { ...alphabetical(), filterTags: { pattern: '^ver' } })).toBe('ver2');
  });
  it('refuses a pattern Go refuses, with Go\'s message', () => {
    expect(() => selectLatestTag(['a'], { ...semver('*'), filterTags: { pattern: '^test-(.*', extract: '$1' } })).toThrow(
      /invalid regular expression pattern '\^test-\(\.\*': error parsing regexp: missing closing \): `\^test-\(\.\*`/,
    );
    for (const pattern of ['(a)\\1', '(?=a)', '(?<=a)b', 'a{1001}', 'a**']) {
      expect(() => selectLatestTag(['a'], { ...alphabetical(), filterTags: { pattern } })).toThrow(InvalidPolicyError);
    }
  });
  it('uses Go named groups in both spellings, and Go template rules', () => {
    const tags = ['main-a1b2c3-1700000100', 'main-d4e5f6-1700000200', 'v1.0.0'];
    expect(selectLatestTag(tags, { ...numerical(), filterTags: { pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)$', extract: '$ts' } })).toBe('main-d4e5f6-1700000200');
    expect(selectLatestTag(tags, { ...numerical(), filterTags: { pattern: '^main-[a-f0-9]+-(?<ts>[0-9]+)$', extract: '${ts}' } })).toBe('main-d4e5f6-1700000200');
    // `$1x` names the group "1x", which does not exist: every key is empty, so numerical fails.
    expect(() => selectLatestTag(['ver1'], { ...numerical(), filterTags: { pattern: 'ver(\\d+)', extract: '$1x' } })).toThrow(/failed to parse invalid numeric value ''/);
  });
  it('fails when the filter matches nothing', () => {
    expect(() => selectLatestTag(['a', 'b'], { ...alphabetical(), filterTags: { pattern: '^z' } })).toThrow(/version list argument cannot be empty/);
  });
  it('keeps the last tag of those extracting the same value', () => {
    expect(selectLatestTag(['a-1', 'b-1'], { ...numerical(), filterTags: { pattern: '-(\\d)', extract: '$1' } })).toBe('b-1');
  });
});

describe('the spec itself', () => {
  it('refuses a policy with no choice', () => {
    expect(() => selectLatestTag(['a'], { policy: {} })).toThrow(InvalidPolicyError);
  });
  it('uses semver first when several choices are set, as Flux does', () => {
    expect(selectLatestTag(['1.0.0', 'zz'], { policy: { semver: { range: '*' }, alphabetical: {} } })).toBe('1.0.0');
  });
});

describe('Go building blocks', () => {
  it('expands templates as Regexp.ExpandString', () => {
    const re = compileGoRegexp('^(?P<a>v)(\\d+)');
    const input = 'v12';
    expect(re.expand('$a-$2x-${2}x-$$-$', input, re.match(input)!)).toBe('v--12x-$-$');
    const duplicate = compileGoRegexp('(?P<n>x)?(?P<n>y)');
    expect(duplicate.names).toEqual(['', 'n', 'n']);
    expect(duplicate.expand('$n', 'y', duplicate.match('y')!)).toBe('y');
  });
  it('parses floats as strconv.ParseFloat', () => {
    expect(parseGoFloat('0x1.8p1')).toBe(3);
    expect(parseGoFloat('0x10')).toBeUndefined();
    expect(parseGoFloat('+NaN')).toBeUndefined();
    expect(parseGoFloat('-Infinity')).toBe(-Infinity);
    expect(parseGoFloat('1__0')).toBeUndefined();
    expect(parseGoFloat('1e5_0')).toBe(1e50);
  });
});
