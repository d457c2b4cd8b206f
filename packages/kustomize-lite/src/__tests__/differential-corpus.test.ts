/**
 * The differential corpus: repositories shaped like the ones kustomize users keep (see
 * test-data/corpus/README.md). Every directory holding a kustomization file is built by the real
 * kustomize v5.8.2 and by Weft; the outputs must be the same bytes (or each difference listed
 * below with its reason), and a failure on one side must be a failure on the other.
 */
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findKustomizeBinary } from '@weft/testkit';
import { compareOutcomes, kustomizationDirectories, kustomizeBuild, mapConcurrently, weftBuild, type Verdict } from './differential-harness.js';

const corpusRoot = join(dirname(fileURLToPath(import.meta.url)), '../../test-data/corpus');
const kustomize = findKustomizeBinary();

/**
 * Directories where Weft and kustomize differ on purpose or for a reason not fixed, with that
 * reason (the package README lists them too). A listed directory that starts agreeing fails the
 * test, so the list only shrinks.
 */
const knownDifferences: Readonly<Record<string, string>> = {};

// Without the reference binary (built by tools/setup.sh) there is nothing to compare with; CI
// builds it, so there the suite must run.
const describeWithKustomize = kustomize === undefined && process.env['CI'] !== 'true' ? describe.skip : describe;

describeWithKustomize('differential corpus: weft build vs kustomize build', () => {
  it('agrees with kustomize v5.8.2 on every kustomization directory of the corpus', { timeout: 600_000 }, async () => {
    expect(kustomize, 'the reference kustomize binary must be built (tools/setup.sh)').toBeDefined();
    const directories = kustomizationDirectories(corpusRoot);
    const results = await mapConcurrently(directories, 2, async (directory) => {
      const [expected, actual] = await Promise.all([kustomizeBuild(kustomize as string, directory), weftBuild(directory)]);
      return { name: relative(corpusRoot, directory), verdict: compareOutcomes(expected, actual), expected, actual };
    });
    const counts = new Map<Verdict, number>();
    for (const result of results) counts.set(result.verdict, (counts.get(result.verdict) ?? 0) + 1);
    const agreeing = (counts.get('identical') ?? 0) + (counts.get('both-failed') ?? 0);
    console.log(
      `differential corpus: ${results.length} directories; ${agreeing} agree (${((100 * agreeing) / results.length).toFixed(1)}%): ` +
        `${counts.get('identical') ?? 0} identical output, ${counts.get('both-failed') ?? 0} refused by both; ` +
        `${counts.get('formatting') ?? 0} differ in formatting only, ${counts.get('content') ?? 0} in content; ` +
        `${counts.get('weft-failed') ?? 0} fail only in Weft, ${counts.get('kustomize-failed') ?? 0} only in kustomize`,
    );
    const unexpected = results
      .filter((result) => result.verdict !== 'identical' && result.verdict !== 'both-failed' && knownDifferences[result.name] === undefined)
      .map((result) => ({
        directory: result.name,
        verdict: result.verdict,
        kustomize: result.expected.ok ? result.expected.text : `error: ${result.expected.message}`,
        weft: result.actual.ok ? result.actual.text : `error: ${result.actual.message}`,
      }));
    expect(unexpected).toEqual([]);
    const untyped = results.filter((result) => !result.actual.ok && !result.actual.typed).map((result) => `${result.name}: ${result.actual.ok ? '' : result.actual.message}`);
    expect(untyped, 'every failure is a typed KustomizeError naming the file').toEqual([]);
    const nowAgreeing = results.filter((result) => knownDifferences[result.name] !== undefined && (result.verdict === 'identical' || result.verdict === 'both-failed'));
    expect(nowAgreeing.map((result) => result.name), 'known differences that agree now: remove them from the list').toEqual([]);
  });
});
