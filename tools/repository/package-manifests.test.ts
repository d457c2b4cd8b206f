import { describe, expect, it } from 'vitest';
import { peerDependencyProblems, publicPackages } from '../pack.ts';

// The manifest rule of `pnpm check-packages` that the npm install test (test/install) would only
// show after packing and installing everything: @kubernetes/client-node is one copy, the user's.
describe('the public packages’ manifests', () => {
  it('declare @kubernetes/client-node as a peer dependency only, with one range', async () => {
    const packages = await publicPackages();
    expect(packages.length).toBeGreaterThan(5);
    expect(packages.flatMap((candidate) => peerDependencyProblems(candidate.manifest))).toEqual([]);
  });

  it('names a package that pins client-node in its dependencies', () => {
    const problems = peerDependencyProblems({ name: '@weft/example', version: '0.0.0', dependencies: { '@kubernetes/client-node': '1.3.0' } });
    expect(problems).toEqual(['@weft/example: dependencies has "@kubernetes/client-node", which must be a peer dependency ("^1.3.0 || ^2.0.0") so the user\'s copy is the only one']);
  });
});
