import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { build, memoryFs, toYamlStream } from '../index.js';
import { loadConformanceCases } from './conformance-cases.js';

/** Parses a YAML stream into the ordered list of its objects (how the conformance README compares). */
function objectsOf(yaml: string): unknown[] {
  return parseAllDocuments(yaml)
    .map((document) => document.toJS() as unknown)
    .filter((value) => value !== null && value !== undefined);
}

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
      expect(objectsOf(toYamlStream(objects))).toEqual(objectsOf(testCase.expectedYaml ?? ''));
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
