/**
 * The stream operators: newest input wins, errors as values, unsubscribing is shutdown —
 * against the real registry and git server where they talk to one.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitServer } from '@weft/testkit';
import { Subject, firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TagStore, commitAndPush, latestTag, scanRepository, updateSetters, type ImageRef, type ScanOutcome } from '../index.js';
import { haveRegistryBinary, startRegistry, type RegistryServer } from './support/registry-server.js';

const haveRegistry = haveRegistryBinary();

describe.skipIf(!haveRegistry)('scanRepository', () => {
  let registry: RegistryServer;
  let work: string;
  beforeAll(async () => {
    registry = await startRegistry();
    await registry.pushTags('team/app', ['1.0.0', '1.2.0', '2.0.0-rc.1', 'sha256-abc.sig', 'latest']);
    work = await mkdtemp(join(tmpdir(), 'weft-stream-'));
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('emits the tags without signatures, descending, and feeds latestTag', async () => {
    const store = new TagStore(join(work, 'tags'));
    const image = `${registry.host}/team/app`;
    const [scan] = await lastValueFrom(of(image).pipe(scanRepository({ tagStore: store }), toArray()));
    expect(scan).toMatchObject({ ok: true, image, tags: ['latest', '2.0.0-rc.1', '1.2.0', '1.0.0'] });
    expect(await store.tags(image)).toEqual(['latest', '2.0.0-rc.1', '1.2.0', '1.0.0']);
    const latest = await firstValueFrom(of(scan!).pipe(latestTag({ policy: { semver: { range: '>=1.0.0' } } })));
    expect(latest).toEqual({ ok: true, tag: '1.2.0' });
  });

  it('emits failures as values, with the stored tags, and goes on', async () => {
    const store = new TagStore(join(work, 'tags'));
    const image = `${registry.host}/team/app`;
    await store.setTags(image, ['0.9.0']);
    const outcomes = await lastValueFrom(of(`${registry.host}/team/missing`, 'Not A Name', image).pipe(scanRepository({ tagStore: store }), toArray()));
    // Newest input wins: the synchronous burst leaves only the last scan.
    expect(outcomes).toHaveLength(1);
    const failing = await lastValueFrom(of(`${registry.host}/team/missing`).pipe(scanRepository({ tagStore: store }), toArray()));
    expect(failing[0]).toMatchObject({ ok: false, image: `${registry.host}/team/missing`, storedTags: [] });
    const invalid = await lastValueFrom(of('Not A Name').pipe(scanRepository(), toArray()));
    expect(invalid[0]?.ok).toBe(false);
    const fromStore = await firstValueFrom(of({ ok: false, image, error: new Error('down'), storedTags: ['1.0.0', '1.1.0'] } as ScanOutcome).pipe(latestTag({ policy: { semver: { range: '*' } } })));
    expect(fromStore).toEqual({ ok: true, tag: '1.1.0' });
  });
});

describe('scanRepository shutdown', () => {
  let server: Server;
  let host = '';
  let closed = 0;
  beforeAll(async () => {
    server = createServer((req) => req.socket.on('close', () => closed++));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  }, 60_000);
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('aborts the scan in flight on a newer input and on unsubscribe', async () => {
    const images = new Subject<string>();
    const seen: ScanOutcome[] = [];
    const subscription = images.pipe(scanRepository({ insecure: true, timeout: '30s' })).subscribe((o) => seen.push(o));
    images.next(`${host}/a/one`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    images.next(`${host}/a/two`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(closed).toBe(1);
    subscription.unsubscribe();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(closed).toBe(2);
    expect(seen).toEqual([]);
  });
});

describe('latestTag', () => {
  it('emits an invalid spec as a value on every input', async () => {
    const outcomes = await lastValueFrom(of(['1.0.0'], ['2.0.0']).pipe(latestTag({ policy: { semver: { range: 'not a range' } } }), toArray()));
    expect(outcomes.map((o) => o.ok)).toEqual([false, false]);
  });
});

describe('updateSetters and commitAndPush', () => {
  const refs = (tag: string) => new Map<string, ImageRef>([['apps/web', { name: 'ghcr.io/org/web', tag }]]);
  const marked = (tag: string) => `image: ghcr.io/org/web:${tag} # {"$imagepolicy": "apps:web"}\n`;

  it('rewrites a local checkout for each set of refs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-stream-setters-'));
    try {
      await writeFile(join(dir, 'web.yaml'), marked('1.0.0'));
      const outcomes = await lastValueFrom(of(refs('1.1.0')).pipe(updateSetters({ checkout: dir }), toArray()));
      expect(outcomes).toEqual([{ ok: true, result: expect.objectContaining({ files: ['web.yaml'] }) }]);
      expect(await readFile(join(dir, 'web.yaml'), 'utf8')).toBe(marked('1.1.0'));
      const failed = await lastValueFrom(of(refs('1.2.0')).pipe(updateSetters({ checkout: dir, path: '../outside' }), toArray()));
      expect(failed[0]?.ok).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('commits and pushes each set of refs, and reports failures as values', async () => {
    const server = await startGitServer();
    try {
      const repo = await server.createRepo('stream', { 'web.yaml': marked('1.0.0') });
      const push = commitAndPush({ url: repo.url, branch: 'main', author: { email: 'bot@weft.dev' }, automation: { namespace: 'apps', name: 'stream' } });
      const [first] = await lastValueFrom(of(refs('1.1.0')).pipe(push, toArray()));
      expect(first).toMatchObject({ ok: true, result: { branch: 'main', files: ['web.yaml'] } });
      const [unchanged] = await lastValueFrom(of(refs('1.1.0')).pipe(push, toArray()));
      expect(unchanged).toMatchObject({ ok: true, result: { commit: undefined } });
      const [missing] = await lastValueFrom(of(refs('1.2.0')).pipe(commitAndPush({ url: server.url('nope'), branch: 'main', author: { email: 'bot@weft.dev' }, automation: { namespace: 'apps', name: 'stream' } }), toArray()));
      expect(missing?.ok).toBe(false);
    } finally {
      await server.stop();
    }
  });
});
