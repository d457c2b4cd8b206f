import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findKustomizeBinary } from '@weft/testkit';
import { compareOutcomes, kustomizeBuild, weftBuild } from './differential-harness.js';
import { featureTree } from './differential-features.js';
import { kustomizationTree, type GeneratedTree } from './differential-trees.js';

const kustomize = findKustomizeBinary();
const numRuns = Number(process.env['WEFT_FUZZ_RUNS'] ?? 100);
const seed = Number(process.env['WEFT_FUZZ_SEED'] ?? Date.now() % 2_147_483_647);

// Without the reference binary (built by tools/setup.sh) there is nothing to compare with;
// CI builds it, so there the suite must run.
const describeWithKustomize = kustomize === undefined && process.env['CI'] !== 'true' ? describe.skip : describe;

/**
 * Builds every generated tree with both tools: outputs must be the same bytes, a failure must be
 * a failure on both sides, and Weft's failures must be typed errors.
 */
async function agreeOn(name: string, trees: fc.Arbitrary<GeneratedTree>): Promise<void> {
  expect(kustomize, 'the reference kustomize binary must be built (tools/setup.sh)').toBeDefined();
  const workspace = mkdtempSync(join(tmpdir(), `weft-kustomize-fuzz-${name}-`));
  let counter = 0;
  try {
    await fc.assert(
      fc.asyncProperty(trees, async (tree) => {
        const root = join(workspace, String(counter++));
        for (const [path, content] of Object.entries(tree.files)) {
          mkdirSync(dirname(join(root, path)), { recursive: true });
          writeFileSync(join(root, path), content);
        }
        const directory = join(root, tree.buildDir);
        const [expected, actual] = await Promise.all([kustomizeBuild(kustomize as string, directory, { reorder: tree.reorder }), weftBuild(directory, { reorder: tree.reorder })]);
        rmSync(root, { recursive: true, force: true });
        const verdict = compareOutcomes(expected, actual);
        const report = {
          verdict,
          files: tree.files,
          kustomize: expected.ok ? expected.text : `error: ${expected.message}`,
          weft: actual.ok ? actual.text : `error: ${actual.message}`,
        };
        expect(report.verdict === 'identical' || report.verdict === 'both-failed' ? 'agree' : report).toBe('agree');
        if (!actual.ok) expect(actual.typed, `a typed KustomizeError: ${actual.message}`).toBe(true);
      }),
      { numRuns, seed, endOnFailure: true },
    );
  } catch (error) {
    const cause = (error as Error).cause;
    throw new Error(`differential fuzz (${name}) failed (reproduce with WEFT_FUZZ_SEED=${seed}): ${(error as Error).message}\n${cause instanceof Error ? cause.message : ''}`);
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

describeWithKustomize('differential: weft build vs kustomize build', () => {
  it(`agrees on ${numRuns} generated bases and overlays (seed ${seed})`, { timeout: 600_000 }, () => agreeOn('overlays', kustomizationTree));
  it(`agrees on ${numRuns} generated trees of real-repository features (seed ${seed})`, { timeout: 600_000 }, () => agreeOn('features', featureTree));
});
