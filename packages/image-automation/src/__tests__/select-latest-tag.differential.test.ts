/**
 * Differential test: selectLatestTag and compileGoRegexp against Flux's policy semantics on the
 * real Go libraries (Go's regexp and strconv, Masterminds semver, fluxcd/pkg/version), built by
 * tools/image-policy-oracle/build.sh, over generated tag lists, policies and filters.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { InvalidPolicyError, NoTagSelectedError, compileGoRegexp, selectLatestTag, type TagSelectionSpec } from '../index.js';

// Thousands of generated cases through one child process: allow for a busy host.
vi.setConfig({ testTimeout: 120_000 });

const build = fileURLToPath(new URL('../../../../tools/image-policy-oracle/build.sh', import.meta.url));
const oracleDir = spawnSync('bash', [build, '--print-dir']).stdout.toString().trim();
const oracle = `${oracleDir}/image-policy-oracle`;
// tools/setup.sh builds the oracle; a machine with Go but without it builds it here (cached afterwards).
if (!existsSync(oracle) && spawnSync('go', ['version']).status === 0) spawnSync('bash', [build], { stdio: 'inherit', timeout: 300_000 });
const haveOracle = existsSync(oracle);
if (!haveOracle && process.env.CI === 'true') throw new Error(`CI=true but the image policy oracle is missing at ${oracle}: run tools/image-policy-oracle/build.sh (needs Go)`);

interface SelectAnswer {
  ok: boolean;
  invalid?: boolean;
  tag?: string;
  winners?: string[];
  error?: string;
}
interface RegexpAnswer {
  ok: boolean;
  error?: string;
  matches?: { matched: boolean; expanded: string }[];
}

function ask<T>(requests: object[]): T[] {
  const run = spawnSync(oracle, [], { input: requests.map((r) => JSON.stringify(r)).join('\n') + '\n', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`image-policy-oracle failed: ${run.stderr.toString()}`);
  const lines = run.stdout.toString().trim().split('\n');
  expect(lines).toHaveLength(requests.length);
  return lines.map((line) => JSON.parse(line) as T);
}

type Outcome = { tag: string } | { invalid: string } | { none: string };
function weft(tags: string[], spec: TagSelectionSpec): Outcome {
  try {
    return { tag: selectLatestTag(tags, spec) };
  } catch (error) {
    if (error instanceof InvalidPolicyError) return { invalid: error.message };
    if (error instanceof NoTagSelectedError) return { none: error.message };
    throw error;
  }
}

const pick = <T>(...values: T[]) => fc.constantFrom(...values);
const number = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 12 }).map(String) }, { weight: 1, arbitrary: pick('00', '01', '2024', '2025', '007') });
const prerelease = pick('alpha', 'beta', 'beta.2', 'rc1', 'rc9', 'rc10', 'rc.1', 'rc.10', '0', '1.x', 'a-b', 'RC1');
const versionTag = fc
  .record({
    v: fc.boolean(),
    segments: fc.array(number, { minLength: 1, maxLength: 4 }),
    pre: fc.option(prerelease, { nil: undefined, freq: 3 }),
    meta: fc.option(pick('build.5', 'sha'), { nil: undefined, freq: 6 }),
  })
  .map(({ v, segments, pre, meta }) => `${v ? 'v' : ''}${segments.join('.')}${pre === undefined ? '' : `-${pre}`}${meta === undefined ? '' : `+${meta}`}`);
const numericTag = fc.oneof(
  fc.integer({ min: -100, max: 2_000_000_000 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map(String),
  pick('1e3', '0x1p4', '1_000', 'Inf', '-inf', 'NaN', '1e400', '01', '1.', '.5', '0x10', '1__0', '+5'),
);
const wordTag = fc.oneof(
  pick('latest', 'main', 'stable', 'xenial', 'zesty', 'artful', 'Z', 'a', 'sha256-abc.sig'),
  fc.stringMatching(/^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,12}$/),
);
const prefixedTag = fc
  .tuple(pick('main', 'dev', 'test', 'rel'), fc.stringMatching(/^[a-f0-9]{3,7}$/), fc.integer({ min: 1_600_000_000, max: 1_800_000_000 }))
  .map(([branch, sha, ts]) => `${branch}-${sha}-${ts}`);
const tag = fc.oneof({ weight: 4, arbitrary: versionTag }, { weight: 2, arbitrary: numericTag }, { weight: 2, arbitrary: wordTag }, { weight: 2, arbitrary: prefixedTag });
const tags = fc.uniqueArray(tag, { minLength: 0, maxLength: 12 });

const range = fc.oneof(
  pick('*', '>=0.0.0', '>=0.0.0-0', '^1', '~1.2', '1.0.x', '>=1.0.0 <2.0.0', '>=2024.0.0', '>=1.0.0-0', '1.x || 2.x', '!=1.0.0', '<=v2', '>1.0.0-rc1', 'x', '', '1.0.0p', '*-*', '=1.0.0', '>=0.x'),
  fc.tuple(pick('>=', '<', '~', '^', '', '='), number, number).map(([op, a, b]) => `${op}${a}.${b}`),
);
const order = fc.option(pick('asc', 'desc', 'ASC', 'Desc', 'sideways'), { nil: undefined, freq: 4 });
const policy = fc.oneof(
  { weight: 4, arbitrary: range.map((r) => ({ semver: { range: r } })) },
  { weight: 2, arbitrary: order.map((o) => ({ alphabetical: o === undefined ? {} : { order: o } })) },
  { weight: 2, arbitrary: order.map((o) => ({ numerical: o === undefined ? {} : { order: o } })) },
);
const filterTags = fc.option(
  fc.oneof(
    pick(
      { pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)$', extract: '$ts' },
      { pattern: '^(?P<branch>[a-z]+)-(?P<sha>[a-f0-9]+)-(?P<ts>\\d+)', extract: '${ts}' },
      { pattern: '^v?(?<ver>.*)$', extract: '$ver' },
      { pattern: '^test-(.*)$', extract: '$1' },
      { pattern: '(\\d+)', extract: '$1x' },
      { pattern: '(\\d+)\\.(\\d+)', extract: '$2.$1.0' },
      { pattern: '(?i)^[A-Z]', extract: '' },
      { pattern: '', extract: '' },
      { pattern: '\\.sig$', extract: '' },
      { pattern: '^(?P<n>\\d+)|(?P<n>[a-z]+)', extract: '$n' },
      { pattern: '^test-(.*', extract: '$1' },
      { pattern: '(a)\\1', extract: '' },
      { pattern: '[[:digit:]]+', extract: '$0' },
      { pattern: '(?U)\\d+', extract: '${0}' },
    ),
    fc.record({ pattern: pick('.*', '^v', '[0-9]$', '^[a-z]', '-', 'rc'), extract: pick('', '$0') }),
  ),
  { nil: undefined, freq: 3 },
);

describe.skipIf(!haveOracle)('selectLatestTag against Flux on Go (image-policy-oracle)', () => {
  it('agrees on generated tag lists, policies and filters', () => {
    const cases = fc.sample(fc.record({ tags, policy, filterTags }), { numRuns: 3000, seed: 17 });
    const answers = ask<SelectAnswer>(cases.map((c) => ({ op: 'select', ...c })));
    let compared = 0;
    cases.forEach((c, index) => {
      const answer = answers[index]!;
      const spec: TagSelectionSpec = { policy: c.policy as TagSelectionSpec['policy'], ...(c.filterTags ? { filterTags: c.filterTags } : {}) };
      const ours = weft(c.tags, spec);
      const context = JSON.stringify({ ...c, answer, ours });
      if (answer.invalid) expect('invalid' in ours, context).toBe(true);
      // With no tags Flux stops at "no tags in database" before compiling filterTags; the pure
      // function checks the whole spec first (the reconciler keeps Flux's order).
      else if (!answer.ok) expect('none' in ours || (c.tags.length === 0 && 'invalid' in ours), context).toBe(true);
      else {
        expect(ours, context).toEqual({ tag: answer.tag });
        expect(answer.winners, context).toContain((ours as { tag: string }).tag);
      }
      compared++;
    });
    expect(compared).toBe(3000);
    // The generator reaches every outcome, not only errors.
    expect(answers.filter((a) => a.ok).length).toBeGreaterThan(500);
    expect(answers.filter((a) => a.invalid).length).toBeGreaterThan(50);
  });
});

const token = pick(
  'a', 'b', 'v', '0', '9', '.', '-', '_', '\\d', '\\w', '\\s', '\\b', '\\.', '\\pL', '\\p{Greek}', '[a-z]', '[^0-9]', '[[:alpha:]]', '[[:^digit:]]',
  '(', ')', '(?:', '(?P<x>', '(?<y>', '(?i)', '(?U)', '(?s)', '|', '*', '+', '?', '*?', '{2}', '{1,3}', '{,2}', '^', '$', '\\A', '\\z', '\\Q.\\E', '\\1', '(?=', '[', ']', '\\x41', '\\C',
);
const template = fc.array(pick('$0', '$1', '$2', '${1}', '$x', '${y}', '$1x', '$$', '$', '-', 'v', '${', '$01'), { maxLength: 4 }).map((parts) => parts.join(''));
const input = fc.oneof(fc.stringMatching(/^[a-z0-9.\-_ A-Z]{0,10}$/), pick('v1.2.3', 'main-abc-123', 'ααβ', 'a\nb', ''));

describe.skipIf(!haveOracle)('compileGoRegexp against Go regexp (image-policy-oracle)', () => {
  it('accepts and refuses the same patterns, finds the same matches and expands the same templates', () => {
    const cases = fc.sample(
      fc.record({ pattern: fc.array(token, { minLength: 1, maxLength: 7 }).map((t) => t.join('')), template, inputs: fc.array(input, { minLength: 1, maxLength: 4 }) }),
      { numRuns: 3000, seed: 250 },
    );
    const answers = ask<RegexpAnswer>(cases.map((c) => ({ op: 'regexp', ...c })));
    let compiled = 0;
    cases.forEach((c, index) => {
      const answer = answers[index]!;
      let re;
      try {
        re = compileGoRegexp(c.pattern);
      } catch (error) {
        expect(answer.ok, JSON.stringify({ c, answer, error: String(error) })).toBe(false);
        expect((error as Error).message).toBe(answer.error);
        return;
      }
      expect(answer.ok, JSON.stringify({ c, answer })).toBe(true);
      compiled++;
      const ours = c.inputs.map((text) => {
        const match = re.match(text);
        return match === null ? { matched: false, expanded: '' } : { matched: true, expanded: re.expand(c.template, text, match) };
      });
      expect(ours, JSON.stringify(c)).toEqual(answer.matches);
    });
    expect(compiled).toBeGreaterThan(500);
  });
});
