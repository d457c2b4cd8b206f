/**
 * kustomize's own tests as a differential run (issue 15): the fixture trees of
 * `sigs.k8s.io/kustomize/api/krusty/*_test.go` (the api module kustomize v5.8.2 is built from) are
 * read from the Go module cache at test time, written to a temp dir and built by the real
 * kustomize and by Weft. Both outputs must be the same objects (and text, as the corpus test asks),
 * a failure on one side must be a failure on the other. Tests the reader cannot follow are counted
 * as skipped, by reason, and printed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findKustomizeBinary } from '@weft/testkit';
import { compareOutcomes, kustomizeBuild, mapConcurrently, weftBuild, type Verdict } from './differential-harness.js';
import { loadConformanceCases } from './conformance-cases.js';
import { extractKrustyCases, type KrustyCase } from './krusty-go-source.js';

/** The kustomize api module kustomize v5.8.2 is built with (`go version -m` on the binary). */
const krustyModule = 'sigs.k8s.io/kustomize/api@v0.21.2';
const kustomize = findKustomizeBinary();

/**
 * Builds where Weft and kustomize differ, each with its reason (the package README lists them
 * too). A listed case that starts agreeing fails the test, so the list only shrinks.
 */
const knownDifferences: Readonly<Record<string, string>> = {};

/** Builds whose verdict from the kustomize CLI is not the one their Go test expects, and why. */
const cliDisagreesWithTest: Readonly<Record<string, string>> = {
  // The Go test's Run succeeds and it then asserts the error of turning the result into YAML;
  // the CLI does both, so it fails (and so does Weft: agreement).
  TestDuplicateKeys: 'kustomize fails writing the output (mapping key "env" already defined), which the Go test checks after Run',
};

/** The module's directory in the Go module cache, downloaded through the module proxy if need be. */
function krustyDirectory(): string {
  const output = execFileSync('go', ['mod', 'download', '-json', krustyModule], { cwd: tmpdir(), encoding: 'utf8', timeout: 300_000 });
  const { Dir, Error: failure } = JSON.parse(output) as { Dir?: string; Error?: string };
  if (Dir === undefined) throw new Error(`go mod download ${krustyModule} failed: ${failure ?? output}`);
  return join(Dir, 'krusty');
}

function writeTree(root: string, testCase: KrustyCase): void {
  for (const [path, content] of Object.entries(testCase.files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

// Without the reference binary (built by tools/setup.sh) there is nothing to compare with; CI
// builds it (and has Go and the module proxy), so there the suite must run.
const describeWithKustomize = kustomize === undefined && process.env['CI'] !== 'true' ? describe.skip : describe;

describeWithKustomize("differential: kustomize's own krusty tests, weft build vs kustomize build", () => {
  it(`agrees with kustomize v5.8.2 on every build read from ${krustyModule}/krusty`, { timeout: 600_000 }, async () => {
    expect(kustomize, 'the reference kustomize binary must be built (tools/setup.sh)').toBeDefined();
    // the tests must be the ones of the api module the binary was built from
    const [modulePath, moduleVersion] = krustyModule.split('@') as [string, string];
    expect(execFileSync('go', ['version', '-m', kustomize as string], { encoding: 'utf8' })).toMatch(new RegExp(`\\bdep\\s+${modulePath.replaceAll('.', '\\.')}\\s+${moduleVersion.replaceAll('.', '\\.')}\\b`));
    const directory = krustyDirectory();
    const goFiles = readdirSync(directory)
      .filter((name) => name.endsWith('_test.go'))
      .sort();
    const { cases, skipped } = extractKrustyCases(directory, goFiles);
    expect(cases.length, 'the reader found builds in the krusty tests').toBeGreaterThan(250);
    // The reader is checked against the half of these tests committed as conformance data: it
    // must write the same trees and build them with the same options.
    const read = new Map(cases.map((testCase) => [testCase.name, testCase]));
    const conformanceCases = [...loadConformanceCases('cases'), ...loadConformanceCases('errors')];
    const misread = conformanceCases.filter((conformance) => {
      const mine = read.get(conformance.name);
      const trimmed = (files: Readonly<Record<string, string | Uint8Array>>): string =>
        JSON.stringify(
          Object.entries(files)
            .map(([path, content]) => [path, Buffer.from(content).toString('utf8').trim()])
            .sort(),
        );
      return (
        mine === undefined ||
        trimmed(mine.files) !== trimmed(conformance.files) ||
        mine.buildDir.replace(/\/$/, '') !== conformance.buildDir.replace(/\/$/, '') ||
        mine.reorder !== conformance.reorder ||
        mine.loadRestrictor !== conformance.loadRestrictor
      );
    });
    expect(misread.map((conformance) => conformance.name), 'conformance cases the reader does not reproduce').toEqual([]);

    const workspace = mkdtempSync(join(tmpdir(), 'weft-krusty-'));
    try {
      const results = await mapConcurrently(cases, 2, async (testCase) => {
        const root = join(workspace, String(cases.indexOf(testCase)));
        writeTree(root, testCase);
        const buildDir = join(root, testCase.buildDir);
        const options = { reorder: testCase.reorder, loadRestrictor: testCase.loadRestrictor };
        const [expected, actual] = await Promise.all([kustomizeBuild(kustomize as string, buildDir, options), weftBuild(buildDir, options)]);
        return { testCase, verdict: compareOutcomes(expected, actual), expected, actual };
      });

      const counts = new Map<Verdict, number>();
      for (const result of results) counts.set(result.verdict, (counts.get(result.verdict) ?? 0) + 1);
      const count = (verdict: Verdict): number => counts.get(verdict) ?? 0;
      const agreeing = count('identical') + count('both-failed');
      const seen = new Set(conformanceCases.map((conformance) => conformance.name));
      const unseen = results.filter((result) => !seen.has(result.testCase.name));
      const unseenAgreeing = unseen.filter((result) => result.verdict === 'identical' || result.verdict === 'both-failed').length;
      const skipReasons = new Map<string, number>();
      for (const skip of skipped) {
        const reason = skip.reason.replace(/ \(.*\)$/s, '');
        skipReasons.set(reason, (skipReasons.get(reason) ?? 0) + 1);
      }
      const testsRead = new Set(cases.map((testCase) => testCase.test)).size;
      const testsSeen = new Set([...cases.map((testCase) => testCase.test), ...skipped.map((skip) => skip.name.replace(/__.*$/s, ''))]).size;
      console.log(
        `krusty differential: ${goFiles.length} files, ${testsSeen} tests: ${testsRead} read (${cases.length} builds), ${skipped.length} tests or builds skipped; ` +
          `builds: ${agreeing} agree (${((100 * agreeing) / cases.length).toFixed(1)}%: ${count('identical')} identical, ${count('both-failed')} refused by both), ` +
          `${count('content') + count('formatting')} differ (${count('content')} content, ${count('formatting')} formatting only), ` +
          `${count('weft-failed')} weft-only error, ${count('kustomize-failed')} kustomize-only error; ` +
          `of the ${unseen.length} builds not in test-data/kustomize, ${unseenAgreeing} agree; ` +
          `skipped by reason: ${[...skipReasons].map(([reason, n]) => `${reason}: ${n}`).join('; ')}`,
      );

      // Where the kustomize CLI's verdict differs from the krusty test's (a build it expects to
      // pass fails, or the reverse), the reader may have written the tree wrong: each such build
      // must be explained in cliDisagreesWithTest.
      const offScript = results.filter((result) => result.expected.ok === result.testCase.expectsError);
      for (const result of offScript) console.log(`krusty differential: kustomize's CLI disagrees with ${result.testCase.name}: ${result.expected.ok ? 'built' : result.expected.message.split('\n').pop()}`);
      expect(offScript.map((result) => result.testCase.name).sort(), "builds where the CLI's verdict is not the test's (explain them)").toEqual(Object.keys(cliDisagreesWithTest).sort());

      const unexpected = results
        .filter((result) => result.verdict !== 'identical' && result.verdict !== 'both-failed' && knownDifferences[result.testCase.name] === undefined)
        .map((result) => ({
          test: `${result.testCase.file} ${result.testCase.name}`,
          verdict: result.verdict,
          kustomize: result.expected.ok ? result.expected.text : `error: ${result.expected.message}`,
          weft: result.actual.ok ? result.actual.text : `error: ${result.actual.message}`,
        }));
      expect(unexpected).toEqual([]);
      const untyped = results.filter((result) => !result.actual.ok && !result.actual.typed).map((result) => `${result.testCase.name}: ${result.actual.ok ? '' : result.actual.message}`);
      expect(untyped, 'every failure is a typed KustomizeError naming the file').toEqual([]);
      const nowAgreeing = results.filter((result) => knownDifferences[result.testCase.name] !== undefined && (result.verdict === 'identical' || result.verdict === 'both-failed'));
      expect(nowAgreeing.map((result) => result.testCase.name), 'known differences that agree now: remove them from the list').toEqual([]);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});
