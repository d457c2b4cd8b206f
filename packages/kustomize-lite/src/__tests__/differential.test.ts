import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { findKustomizeBinary } from '@weft/testkit';
import { build, toYamlStream } from '../index.js';
import { kustomizationTree, type GeneratedTree } from './differential-trees.js';

const run = promisify(execFile);
const kustomize = findKustomizeBinary();
const numRuns = Number(process.env['WEFT_FUZZ_RUNS'] ?? 250);
const seed = Number(process.env['WEFT_FUZZ_SEED'] ?? Date.now() % 2_147_483_647);

function objectsOf(yaml: string): unknown[] {
  return parseAllDocuments(yaml)
    .map((document) => document.toJS() as unknown)
    .filter((value) => value !== null && value !== undefined);
}

async function kustomizeBuild(root: string, tree: GeneratedTree): Promise<{ ok: true; objects: unknown[] } | { ok: false; message: string }> {
  try {
    const { stdout } = await run(kustomize as string, ['build', join(root, tree.buildDir), '--reorder', tree.reorder], { maxBuffer: 64 * 1024 * 1024 });
    return { ok: true, objects: objectsOf(stdout) };
  } catch (error) {
    return { ok: false, message: String((error as { stderr?: string }).stderr ?? error) };
  }
}

async function weftBuild(root: string, tree: GeneratedTree): Promise<{ ok: true; objects: unknown[] } | { ok: false; message: string }> {
  try {
    return { ok: true, objects: objectsOf(toYamlStream(await build(join(root, tree.buildDir), { reorder: tree.reorder }))) };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

// Without the reference binary (built by `pnpm control-plane`) there is nothing to compare with;
// CI builds it, so there the suite must run.
const describeWithKustomize = kustomize === undefined && process.env['CI'] !== 'true' ? describe.skip : describe;

describeWithKustomize('differential: weft build vs kustomize build', () => {
  it(`agrees on ${numRuns} generated trees (seed ${seed})`, { timeout: 600_000 }, async () => {
    expect(kustomize, 'the reference kustomize binary must be built (pnpm control-plane)').toBeDefined();
    const workspace = mkdtempSync(join(tmpdir(), 'weft-kustomize-fuzz-'));
    let counter = 0;
    try {
      await fc.assert(
        fc.asyncProperty(kustomizationTree, async (tree) => {
          const root = join(workspace, String(counter++));
          for (const [path, content] of Object.entries(tree.files)) {
            mkdirSync(dirname(join(root, path)), { recursive: true });
            writeFileSync(join(root, path), content);
          }
          const [expected, actual] = await Promise.all([kustomizeBuild(root, tree), weftBuild(root, tree)]);
          rmSync(root, { recursive: true, force: true });
          if (!expected.ok || !actual.ok) {
            expect({ weftFailed: !actual.ok, kustomizeFailed: !expected.ok, files: tree.files, weft: actual.ok ? '' : actual.message, kustomize: expected.ok ? '' : expected.message }).toMatchObject({
              weftFailed: !expected.ok,
              kustomizeFailed: !expected.ok,
            });
            return;
          }
          expect(actual.objects, `tree:\n${JSON.stringify(tree.files, null, 1)}`).toEqual(expected.objects);
        }),
        { numRuns, seed, endOnFailure: true },
      );
    } catch (error) {
      const cause = (error as Error).cause;
      throw new Error(`differential fuzz failed (reproduce with WEFT_FUZZ_SEED=${seed}): ${(error as Error).message}\n${cause instanceof Error ? cause.message : ''}`);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});
