import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AlreadyExistsError, ConflictError, ConnectionError, NotFoundError } from '../client/errors.js';
import { LeaderElectionConfigError, LeaderElector, type LeaseClient } from '../lifecycle/leader-election.js';
import type { KubeObject } from '../resource/objects.js';

const target = { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', namespace: 'default', name: 'op' };

/** One Lease in memory with the apiserver's optimistic concurrency; `down` makes a replica's client fail. */
function leaseStore() {
  let lease: KubeObject | undefined;
  let version = 0;
  const down = new Set<string>();
  const clientFor = (replica: string): LeaseClient =>
    ({
      async get() {
        if (down.has(replica)) throw new ConnectionError({ verb: 'get', target, code: 0, detail: 'down' });
        if (!lease) throw new NotFoundError({ verb: 'get', target, code: 404 });
        return structuredClone(lease);
      },
      async create(object: KubeObject) {
        if (down.has(replica)) throw new ConnectionError({ verb: 'create', target, code: 0, detail: 'down' });
        if (lease) throw new AlreadyExistsError({ verb: 'create', target, code: 409 });
        lease = { ...structuredClone(object), metadata: { ...object.metadata, resourceVersion: String(++version) } };
        return structuredClone(lease);
      },
      async update(object: KubeObject) {
        if (down.has(replica)) throw new ConnectionError({ verb: 'update', target, code: 0, detail: 'down' });
        if (!lease || object.metadata.resourceVersion !== lease.metadata.resourceVersion) throw new ConflictError({ verb: 'update', target, code: 409 });
        lease = { ...structuredClone(object), metadata: { ...object.metadata, resourceVersion: String(++version) } };
        return structuredClone(lease);
      },
    }) as unknown as LeaseClient;
  return { clientFor, down, holder: () => (lease?.['spec'] as { holderIdentity?: string } | undefined)?.holderIdentity, spec: () => lease?.['spec'] as Record<string, unknown> | undefined };
}

describe('LeaderElector', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets exactly one of two replicas lead, and keeps it leading while it renews', async () => {
    const store = leaseStore();
    const a = new LeaderElector(store.clientFor('a'), { name: 'op', identity: 'a' });
    const b = new LeaderElector(store.clientFor('b'), { name: 'op', identity: 'b' });
    const stop = new AbortController();
    const runs = [a.run({ signal: stop.signal }), b.run({ signal: stop.signal })];
    await vi.advanceTimersByTimeAsync(60_000);
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);
    expect(store.spec()).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    stop.abort();
    await vi.advanceTimersByTimeAsync(10);
    await Promise.all(runs);
  });

  it('steps down after renewDeadline when it cannot renew, before others may take over', async () => {
    const store = leaseStore();
    const events: string[] = [];
    const a = new LeaderElector(store.clientFor('a'), { name: 'op', identity: 'a', onStoppedLeading: () => events.push(`a stopped at ${Date.now() - start}`) });
    const b = new LeaderElector(store.clientFor('b'), { name: 'op', identity: 'b', onStartedLeading: () => events.push(`b started at ${Date.now() - start}`) });
    const start = Date.now();
    const stop = new AbortController();
    const runs = [a.run({ signal: stop.signal }), b.run({ signal: stop.signal })];
    await vi.advanceTimersByTimeAsync(5_000);
    expect(a.isLeader).toBe(true);

    store.down.add('a'); // A loses the apiserver: it cannot renew; B still sees the lease.
    const outage = Date.now() - start;
    await vi.advanceTimersByTimeAsync(30_000);
    const stopped = Number(/a stopped at (\d+)/.exec(events.join())?.[1]);
    const started = Number(/b started at (\d+)/.exec(events.join())?.[1]);
    // A gives up within renewDeadline (10 s) plus one retry period of its last renewal.
    expect(stopped - outage).toBeLessThanOrEqual(10_000 + 2_000);
    // B takes over within a lease duration plus a retry period of the last renewal it saw, after A stepped down.
    expect(started).toBeGreaterThan(stopped);
    expect(started - outage).toBeLessThanOrEqual(15_000 + 2_000 * 1.2 + 2_000);
    expect(store.spec()).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    stop.abort();
    await vi.advanceTimersByTimeAsync(10);
    await Promise.all(runs);
  });

  it('releases the lease on shutdown so a follower takes over on its next try', async () => {
    const store = leaseStore();
    const a = new LeaderElector(store.clientFor('a'), { name: 'op', identity: 'a' });
    const b = new LeaderElector(store.clientFor('b'), { name: 'op', identity: 'b' });
    const seen: boolean[] = [];
    a.leading$.subscribe((leading) => seen.push(leading));
    const stopA = new AbortController();
    const stopB = new AbortController();
    const runA = a.run({ signal: stopA.signal });
    const runB = b.run({ signal: stopB.signal });
    await vi.advanceTimersByTimeAsync(5_000);
    stopA.abort();
    await vi.advanceTimersByTimeAsync(1);
    await runA;
    expect(store.spec()).toMatchObject({ leaseDurationSeconds: 1 });
    expect(store.holder()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(2_000 * 1.2 + 1);
    expect(b.isLeader).toBe(true);
    expect(seen).toEqual([false, true, false]);
    stopB.abort();
    await vi.advanceTimersByTimeAsync(10);
    await runB;
  });

  it('refuses inconsistent timings and a second run', async () => {
    const store = leaseStore();
    expect(() => new LeaderElector(store.clientFor('a'), { name: 'op', leaseDuration: '10s', renewDeadline: '10s' })).toThrow(LeaderElectionConfigError);
    expect(() => new LeaderElector(store.clientFor('a'), { name: 'op', renewDeadline: '2s', retryPeriod: '2s' })).toThrow(/renewDeadline must be greater than retryPeriod/);
    const elector = new LeaderElector(store.clientFor('a'), { name: 'op' });
    const stop = new AbortController();
    stop.abort();
    await elector.run({ signal: stop.signal });
    await expect(elector.run({ signal: stop.signal })).rejects.toBeInstanceOf(LeaderElectionConfigError);
  });

  it('reports API errors to onError and keeps trying', async () => {
    const store = leaseStore();
    store.down.add('a');
    const errors: unknown[] = [];
    const a = new LeaderElector(store.clientFor('a'), { name: 'op', identity: 'a', onError: (error) => errors.push(error) });
    const stop = new AbortController();
    const run = a.run({ signal: stop.signal });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(a.isLeader).toBe(false);
    store.down.delete('a');
    await vi.advanceTimersByTimeAsync(2_500);
    expect(a.isLeader).toBe(true);
    stop.abort();
    await vi.advanceTimersByTimeAsync(10);
    await run;
  });
});
