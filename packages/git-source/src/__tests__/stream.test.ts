import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject, firstValueFrom, filter, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { maxTimerDelayMs } from '@weft/reconcile-core';
import { eventually, startGitServer, type GitServer } from '@weft/testkit';
import { ArtifactStorage, gitSource, gitSourceEvents, type GitSourceEvent } from '../index.js';

// Real git processes on a shared machine: allow for a slow, busy host.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let server: GitServer;
let work: string;
let storage: ArtifactStorage;

beforeAll(async () => {
  server = await startGitServer();
  work = await mkdtemp(join(tmpdir(), 'weft-git-stream-'));
  storage = new ArtifactStorage(join(work, 'artifacts'));
});
afterAll(async () => {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('gitSource stream', () => {
  it('emits the first revision, nothing for unchanged polls, and each new revision', async () => {
    const repo = await server.createRepo('stream', { 'a.yaml': 'a: 1\n' });
    const events: GitSourceEvent[] = [];
    const subscription = gitSourceEvents({
      url: repo.url,
      ref: { branch: 'main' },
      interval: '100ms',
      cacheDir: join(work, 'cache'),
      storage,
    }).subscribe((event) => events.push(event));
    try {
      await eventually('events.filter((e) => e.type === \'unchanged\').length >= 2', () => events.filter((e) => e.type === 'unchanged').length >= 2, { intervalMs: 20, timeoutMs: 5_000 });
      const next = await repo.commit({ 'a.yaml': 'a: 2\n' }, 'two');
      await eventually('events.some((e) => e.type === \'artifact\' && e.artifact.commit === next)', () => events.some((e) => e.type === 'artifact' && e.artifact.commit === next), { intervalMs: 20, timeoutMs: 5_000 });
      const artifacts = events.filter((e) => e.type === 'artifact');
      expect(artifacts).toHaveLength(2);
      expect(events.every((e) => e.type !== 'error')).toBe(true);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('polls at once on a trigger, long before the interval', async () => {
    const repo = await server.createRepo('triggered', { 'a.yaml': 'a: 1\n' });
    const trigger = new Subject<void>();
    const artifacts = gitSource({ url: repo.url, ref: { branch: 'main' }, interval: '1h', trigger, cacheDir: join(work, 'cache'), storage });
    const seen: string[] = [];
    const subscription = artifacts.subscribe((a) => seen.push(a.commit));
    try {
      await eventually('seen.length === 1', () => seen.length === 1, { intervalMs: 20, timeoutMs: 5_000 });
      const next = await repo.commit({ 'a.yaml': 'a: 2\n' }, 'two');
      const started = Date.now();
      trigger.next();
      await eventually('seen.length === 2', () => seen.length === 2, { intervalMs: 20, timeoutMs: 5_000 });
      expect(seen[1]).toBe(next);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('reports failures as values and recovers when the ref appears', async () => {
    const repo = await server.createRepo('late', { 'a.yaml': 'a\n' });
    const events = gitSourceEvents({ url: repo.url, ref: { branch: 'later' }, interval: '200ms', cacheDir: join(work, 'cache'), storage });
    const collected: GitSourceEvent[] = [];
    const subscription = events.subscribe((e) => collected.push(e));
    try {
      await eventually('collected.some((e) => e.type === \'error\')', () => collected.some((e) => e.type === 'error'), { intervalMs: 20, timeoutMs: 5_000 });
      const error = collected.find((e) => e.type === 'error') as Extract<GitSourceEvent, { type: 'error' }>;
      expect(error.error.message).toMatch(/branch "later" not found/);
      // Retryable, as the README's error table says (and as Flux: the branch may be pushed later).
      expect(error.error).toMatchObject({ name: 'GitRefNotFoundError', reason: 'GitOperationFailed', retryable: true });
      await repo.git('push', '--quiet', 'origin', 'HEAD:refs/heads/later');
      await eventually('collected.some((e) => e.type === \'artifact\')', () => collected.some((e) => e.type === 'artifact'), { intervalMs: 20, timeoutMs: 10_000 });
    } finally {
      subscription.unsubscribe();
    }
  });

  it('rebuilds when an included source emits', async () => {
    const lib = await server.createRepo('lib', { 'base/cm.yaml': 'v: 1\n' });
    const app = await server.createRepo('app-with-lib', { 'app.yaml': 'app\n' });
    const common = { interval: '150ms', cacheDir: join(work, 'cache'), storage };
    const libSource = gitSource({ url: lib.url, ref: { branch: 'main' }, ...common });
    const appSource = gitSource({
      url: app.url,
      ref: { branch: 'main' },
      include: [{ source: libSource, fromPath: 'base', toPath: 'vendor/lib' }],
      ...common,
    });
    const contents: string[] = [];
    const subscription = appSource.subscribe((a) => {
      const entry = a.entries.find((e) => e.path === 'vendor/lib/cm.yaml');
      contents.push(entry?.content ? Buffer.from(entry.content).toString() : 'missing');
    });
    try {
      await eventually('contents.length === 1', () => contents.length === 1, { intervalMs: 20, timeoutMs: 5_000 });
      expect(contents[0]).toBe('v: 1\n');
      await lib.commit({ 'base/cm.yaml': 'v: 2\n' }, 'lib v2');
      await eventually('contents.includes(\'v: 2\n\')', () => contents.includes('v: 2\n'), { intervalMs: 20, timeoutMs: 10_000 });
    } finally {
      subscription.unsubscribe();
    }
  });

  it('stops polling when unsubscribed', async () => {
    const repo = await server.createRepo('stop', { 'a.yaml': 'a\n' });
    const first = await firstValueFrom(
      gitSourceEvents({ url: repo.url, ref: { branch: 'main' }, interval: '50ms', cacheDir: join(work, 'cache'), storage }).pipe(
        filter((e) => e.type !== 'error'),
        take(3),
        toArray(),
      ),
    );
    expect(first.map((e) => e.type)).toEqual(['artifact', 'unchanged', 'unchanged']);
    const before = server.requests.filter((r) => r.path.startsWith('/stop.git')).length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.requests.filter((r) => r.path.startsWith('/stop.git')).length).toBe(before);
  });

  it('waits out an interval past setTimeout\'s limit (2^31 ms) instead of polling every millisecond', async () => {
    const repo = await server.createRepo('long-interval', { 'a.yaml': 'a\n' });
    const events: GitSourceEvent[] = [];
    const subscription = gitSourceEvents({ url: repo.url, ref: { branch: 'main' }, interval: maxTimerDelayMs + 1, cacheDir: join(work, 'cache'), storage }).subscribe((e) => events.push(e));
    try {
      await eventually('events.length === 1', () => events.length === 1, { intervalMs: 20, timeoutMs: 5_000 });
      const polls = server.requests.filter((r) => r.path.startsWith('/long-interval.git')).length;
      // An overflowing timer fires after 1 ms: hundreds of polls in this time.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(events.map((e) => e.type)).toEqual(['artifact']);
      expect(server.requests.filter((r) => r.path.startsWith('/long-interval.git')).length).toBe(polls);
    } finally {
      subscription.unsubscribe();
    }
  });
});
