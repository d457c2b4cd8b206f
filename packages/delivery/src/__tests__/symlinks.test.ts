import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ArtifactEntry } from '@weft/git-source';
import { build, nodeFs } from '@weft/kustomize-lite';
import { findKustomizeBinary } from '@weft/testkit';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactFs, buildManifests } from '../index.js';

/** A repository tree with in-repository symlinks of every kind git-source keeps: to a file, to a directory, chained, and one inside a base. */
const tree: ArtifactEntry[] = [
  { path: 'base/kustomization.yaml', type: 'file', content: Buffer.from('resources:\n  - settings.yaml\n  - shared\n') },
  { path: 'base/settings.yaml', type: 'symlink', target: '../common/settings.yaml' },
  { path: 'base/shared', type: 'symlink', target: '../common/shared' },
  { path: 'common/settings.yaml', type: 'file', content: Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n') },
  { path: 'common/shared/kustomization.yaml', type: 'file', content: Buffer.from('resources:\n  - extra.yaml\n') },
  { path: 'common/shared/extra.yaml', type: 'file', content: Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  a: "1"\n') },
  { path: 'overlays/prod/kustomization.yaml', type: 'file', content: Buffer.from('namespace: prod\nresources:\n  - ../../base\n  - linked.yaml\n') },
  { path: 'overlays/prod/linked.yaml', type: 'symlink', target: 'chain.yaml' },
  { path: 'overlays/prod/chain.yaml', type: 'symlink', target: '../../common/more.yaml' },
  { path: 'common/more.yaml', type: 'file', content: Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: more\n') },
  { path: 'dangling.yaml', type: 'symlink', target: 'nowhere.yaml' },
  { path: 'loop-a', type: 'symlink', target: 'loop-b' },
  { path: 'loop-b', type: 'symlink', target: 'loop-a' },
];

describe('artifactFs: the artifact → kustomize file system glue, with in-repository symlinks', () => {
  let onDisk: string;
  beforeAll(async () => {
    onDisk = await mkdtemp(join(tmpdir(), 'weft-symlinks-'));
    for (const entry of tree) {
      const path = join(onDisk, entry.path);
      await mkdir(dirname(path), { recursive: true });
      if (entry.type === 'file') await writeFile(path, entry.content!);
      else await symlink(entry.target!, path);
    }
  });
  afterAll(() => rm(onDisk, { recursive: true, force: true }));

  const names = (objects: readonly Record<string, unknown>[]) => objects.map((object) => `${(object['metadata'] as { namespace: string }).namespace}/${(object['metadata'] as { name: string }).name}`).sort();

  it('builds through symlinked files, directories and chains exactly as the same checkout on disk builds (Flux: no load restriction inside the artifact)', async () => {
    const fromArtifact = await buildManifests({ fs: artifactFs(tree), path: 'overlays/prod' });
    const fromDisk = await build(join(onDisk, 'overlays/prod'), { fs: nodeFs(), loadRestrictor: 'LoadRestrictionsNone' });
    expect(fromArtifact.objects).toEqual(fromDisk);
    expect(names(fromArtifact.objects)).toEqual(['prod/extra', 'prod/more', 'prod/settings']);
    expect(fromArtifact.sourceOf(fromArtifact.objects.find((object) => object.metadata.name === 'more')!)).toBe('overlays/prod/linked.yaml');
  });

  // The kustomize binary is built with the control plane; in CI a missing binary fails instead of skipping.
  it.skipIf(findKustomizeBinary() === undefined && process.env['CI'] !== 'true')('builds the same objects as `kustomize build --load-restrictor LoadRestrictionsNone` on the checkout', async () => {
    const kustomize = findKustomizeBinary();
    if (!kustomize) throw new Error('CI=true but the kustomize reference binary is missing: run tools/control-plane/build.sh');
    const { stdout } = await promisify(execFile)(kustomize, ['build', '--load-restrictor', 'LoadRestrictionsNone', join(onDisk, 'overlays/prod')]);
    const reference = parseAllDocuments(stdout).map((document) => document.toJS() as Record<string, unknown>);
    const fromArtifact = await buildManifests({ fs: artifactFs(tree), path: 'overlays/prod' });
    expect(fromArtifact.objects).toEqual(reference);
  });

  it('reads a dangling or looping link as absent, lists links, and resolves real paths', async () => {
    const fs = artifactFs(tree);
    expect(await fs.stat('/dangling.yaml')).toBeUndefined();
    expect(await fs.stat('/loop-a')).toBeUndefined();
    await expect(fs.readFile('/loop-a')).rejects.toMatchObject({ code: 'ELOOP' });
    await expect(fs.readFile('/dangling.yaml')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await fs.readDir('/base')).toEqual(['kustomization.yaml', 'settings.yaml', 'shared']);
    expect(await fs.readDir('/base/shared')).toEqual(['extra.yaml', 'kustomization.yaml']);
    expect(await fs.realPath('/overlays/prod/linked.yaml')).toBe('/common/more.yaml');
    expect(await fs.stat('/base/shared')).toEqual({ type: 'directory', size: 0 });
  });
});
