import { createHash, createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventually, startGitServer, type GitServer } from '@weft/testkit';
import { ArtifactStorage, gitSource, serveArtifacts, startWebhookReceiver, webhookPath, writeTarGz } from '../index.js';

// Real git processes on a shared machine: allow for a slow, busy host.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'weft-git-webhook-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('webhook receiver', () => {
  it('uses Flux-style secret paths and accepts generic deliveries', async () => {
    expect(webhookPath({ name: 'app', token: 't0k' })).toBe(`/hook/${createHash('sha256').update('t0kapp').digest('hex')}`);
    const hooks = await startWebhookReceiver({ receivers: [{ name: 'app', type: 'generic', token: 't0k' }] });
    const seen: string[] = [];
    hooks.deliveries.subscribe((name) => seen.push(name));
    try {
      expect((await fetch(hooks.url('app'), { method: 'POST', body: '{}' })).status).toBe(200);
      expect((await fetch(`${hooks.origin}/hook/not-the-secret`, { method: 'POST' })).status).toBe(404);
      expect((await fetch(hooks.url('app'))).status).toBe(404);
      expect(seen).toEqual(['app']);
    } finally {
      await hooks.stop();
    }
  });

  it('checks GitHub HMAC signatures and event types', async () => {
    const token = 'gh-secret';
    const hooks = await startWebhookReceiver({ receivers: [{ name: 'gh', type: 'github', token }] });
    const seen: string[] = [];
    hooks.deliveries.subscribe((name) => seen.push(name));
    const deliver = (event: string, body: string, secret = token) =>
      fetch(hooks.url('gh'), {
        method: 'POST',
        body,
        headers: {
          'X-GitHub-Event': event,
          'X-Hub-Signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
        },
      });
    try {
      expect((await deliver('push', '{"ref":"refs/heads/main"}')).status).toBe(200);
      const forged = await deliver('push', '{"ref":"refs/heads/main"}', 'wrong');
      expect(forged.status).toBe(401);
      expect(await forged.text()).not.toContain(token);
      expect((await deliver('ping', '{}')).status).toBe(200);
      expect((await deliver('issues', '{}')).status).toBe(200);
      expect(seen).toEqual(['gh']);
    } finally {
      await hooks.stop();
    }
  });

  it('triggers an immediate fetch in gitSource', async () => {
    const server: GitServer = await startGitServer();
    const hooks = await startWebhookReceiver({ receivers: [{ name: 'repo', type: 'generic', token: 'x' }] });
    try {
      const repo = await server.createRepo('hooked', { 'a.yaml': 'a\n' });
      const seen: string[] = [];
      const subscription = gitSource({
        url: repo.url,
        ref: { branch: 'main' },
        interval: '1h',
        trigger: hooks.trigger('repo'),
        cacheDir: join(work, 'cache'),
        storage: new ArtifactStorage(join(work, 'artifacts')),
      }).subscribe((a) => seen.push(a.commit));
      try {
        await eventually('seen.length === 1', () => seen.length === 1, { intervalMs: 20, timeoutMs: 5_000 });
        const next = await repo.commit({ 'a.yaml': 'b\n' }, 'b');
        await fetch(hooks.url('repo'), { method: 'POST' });
        await eventually('seen.length === 2', () => seen.length === 2, { intervalMs: 20, timeoutMs: 5_000 });
        expect(seen[1]).toBe(next);
      } finally {
        subscription.unsubscribe();
      }
    } finally {
      await hooks.stop();
      await server.stop();
    }
  });
});

describe('artifact server', () => {
  it('serves stored artifacts by digest and nothing else', async () => {
    const storage = new ArtifactStorage(join(work, 'served'));
    const bytes = writeTarGz([{ path: 'a.yaml', type: 'file', content: Buffer.from('a\n') }]);
    const artifact = await storage.put('s', 'main@sha1:x', bytes);
    const server = await serveArtifacts(storage);
    try {
      const response = await fetch(server.url(artifact));
      expect(response.status).toBe(200);
      expect(response.headers.get('etag')).toBe(`"${artifact.digest}"`);
      expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
      expect((await fetch(`${server.origin}/artifacts/../sources/x.json`)).status).toBe(404);
      expect((await fetch(`${server.origin}/artifacts/${'0'.repeat(64)}.tar.gz`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
