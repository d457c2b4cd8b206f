/**
 * The README's samples run here, against the real registry and git server; the last test checks
 * that every TypeScript block of the README is part of this file.
 */
import { readFileSync } from 'node:fs';
import { startGitServer, type GitServer } from '@weft/testkit';
import { lastValueFrom, map, of, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, commitAndPush, latestTag, scanRepository, selectLatestTag, updateImages } from '../index.js';
import { haveRegistryBinary, startRegistry, type RegistryServer } from './support/registry-server.js';

describe.skipIf(!haveRegistryBinary())('the README samples', () => {
  let registry: RegistryServer;
  let git: GitServer;
  let image = '';
  let url = '';
  beforeAll(async () => {
    registry = await startRegistry();
    await registry.pushTags('org/web', ['1.3.0', '1.4.0', '2.0.0-rc.1', 'latest']);
    image = `${registry.host}/org/web`;
    git = await startGitServer();
    url = (await git.createRepo('fleet', { 'deploy/web.yaml': `image: ${image}:1.3.0 # {"$imagepolicy": "apps:web"}\n` })).url;
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
    await git?.stop();
  });

  it('plain functions', async () => {
    // README: functions
    const client = new RegistryClient({ timeout: '30s' });
    const tags = await client.listTags(image);
    const tag = selectLatestTag(tags, { policy: { semver: { range: '^1.0.0' } } }); // '1.4.0'
    const result = await updateImages({
      url,
      branch: 'main',
      author: { name: 'Weft', email: 'weft@example.com' },
      automation: { namespace: 'apps', name: 'web' },
      path: './deploy',
      policies: new Map([['apps/web', { name: image, tag }]]),
    });
    console.log(result.commit ?? 'up to date');
    await client.close();
    // end
    expect(tag).toBe('1.4.0');
    expect(result.files).toEqual(['deploy/web.yaml']);
  });

  it('rxjs operators', async () => {
    const ticks = of(0);
    const url = (await git.createRepo('fleet-stream', { 'deploy/web.yaml': `image: ${image}:1.3.0 # {"$imagepolicy": "apps:web"}\n` })).url;
    // README: operators
    const pushes = ticks.pipe(
      map(() => image),
      scanRepository({ timeout: '30s' }),
      latestTag({ policy: { semver: { range: '^1.0.0' } } }),
      map((latest) => new Map(latest.ok ? [['apps/web', { name: image, tag: latest.tag }]] : [])),
      commitAndPush({ url, branch: 'main', author: { email: 'weft@example.com' }, automation: { namespace: 'apps', name: 'web' } }),
    );
    // end
    const [outcome] = await lastValueFrom(pushes.pipe(take(1), toArray()));
    expect(outcome).toMatchObject({ ok: true, result: { files: ['deploy/web.yaml'] } });
  });
});

describe('README.md', () => {
  it('has no TypeScript sample that is not in this file', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const self = readFileSync(new URL(import.meta.url), 'utf8');
    const normalize = (code: string) => code.replace(/\s+/g, ' ').trim();
    const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((match) => match[1]!);
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) expect(normalize(self), block).toContain(normalize(block));
  });
});
