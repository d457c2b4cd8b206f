import { describe, expect, it } from 'vitest';
import { build, memoryFs, toYamlStream } from '../index.js';
import { loadConformanceCases } from './conformance-cases.js';

/**
 * Cases that do not pass yet, each with the reason (also listed in the package README). They are
 * run with `it.fails`, so a case that starts passing makes the suite say so.
 */
const knownFailures: Record<string, string> = {};

describe('kustomize conformance: cases', () => {
  for (const testCase of loadConformanceCases('cases')) {
    const run = knownFailures[testCase.name] === undefined ? it : it.fails;
    run(testCase.name, async () => {
      const objects = await build(testCase.buildDir, {
        fs: memoryFs(testCase.files),
        reorder: testCase.reorder,
        loadRestrictor: testCase.loadRestrictor,
      });
      // byte for byte: the same objects, keys, quoting and line folding as kustomize prints
      expect(toYamlStream(objects)).toBe(testCase.expectedYaml ?? '');
    });
  }
});

describe('kustomize conformance: errors', () => {
  for (const testCase of loadConformanceCases('errors')) {
    const run = knownFailures[testCase.name] === undefined ? it : it.fails;
    run(testCase.name, async () => {
      const attempt = build(testCase.buildDir, {
        fs: memoryFs(testCase.files),
        reorder: testCase.reorder,
        loadRestrictor: testCase.loadRestrictor,
      });
      const error = await attempt.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error, 'the build must fail').toBeInstanceOf(Error);
      for (const fragment of testCase.errorContains) expect((error as Error).message).toContain(fragment);
    });
  }
});
