import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../client/errors.js';
import type { FinalizerClient } from '../lifecycle/finalizers.js';
import { addFinalizer, FinalizerConflictError, hasFinalizer, isBeingDeleted, reconcileWithFinalizer, removeFinalizer } from '../lifecycle/finalizers.js';
import type { KubeObject } from '../resource/objects.js';

const target = { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'prod', name: 'web' };

/**
 * One object in memory with the apiserver's rules that matter here: a merge patch carrying a stale
 * resourceVersion conflicts; removing the last finalizer of a deleting object deletes it.
 */
function fakeStore(initial: KubeObject, options: { interfere?: (object: KubeObject) => KubeObject | undefined } = {}) {
  let stored: KubeObject | undefined = structuredClone(initial);
  let version = Number(initial.metadata.resourceVersion ?? '1');
  const writes: unknown[] = [];
  const client = {
    async get() {
      if (!stored) throw new NotFoundError({ verb: 'get', target, code: 404 });
      return structuredClone(stored);
    },
    async patch(_kind: unknown, _name: string, patch: { metadata: { resourceVersion?: string; finalizers: string[] } }) {
      if (!stored) throw new NotFoundError({ verb: 'patch', target, code: 404 });
      const interfered = options.interfere?.(stored);
      if (interfered) stored = { ...interfered, metadata: { ...interfered.metadata, resourceVersion: String(++version) } };
      if (patch.metadata.resourceVersion !== stored.metadata.resourceVersion) throw new ConflictError({ verb: 'patch', target, code: 409, status: { reason: 'Conflict' } });
      writes.push(patch);
      stored = { ...stored, metadata: { ...stored.metadata, finalizers: patch.metadata.finalizers, resourceVersion: String(++version) } };
      const result = structuredClone(stored);
      if (stored.metadata.deletionTimestamp && patch.metadata.finalizers.length === 0) stored = undefined;
      return result;
    },
  } as unknown as FinalizerClient;
  return { client, writes, stored: () => stored };
}

const object = (finalizers: string[] = [], deleting = false): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'web', namespace: 'prod', resourceVersion: '1', finalizers, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) } as KubeObject['metadata'],
});

describe('addFinalizer / removeFinalizer', () => {
  it('adds with the resourceVersion it read, and writes nothing when already there', async () => {
    const store = fakeStore(object(['other']));
    const added = await addFinalizer(store.client, object(['other']), 'weft.dev/f');
    expect(added.metadata.finalizers).toEqual(['other', 'weft.dev/f']);
    expect(store.writes).toEqual([{ metadata: { resourceVersion: '1', finalizers: ['other', 'weft.dev/f'] } }]);
    await addFinalizer(store.client, added, 'weft.dev/f');
    expect(store.writes).toHaveLength(1);
  });

  it('re-reads and recomputes after a conflict, keeping what the other writer added', async () => {
    let interfered = false;
    const store = fakeStore(object(), {
      interfere: (current) => {
        if (interfered) return undefined;
        interfered = true;
        return { ...current, metadata: { ...current.metadata, finalizers: ['someone.else/keep'] } };
      },
    });
    const added = await addFinalizer(store.client, object(), 'weft.dev/f');
    expect(added.metadata.finalizers).toEqual(['someone.else/keep', 'weft.dev/f']);
  });

  it('gives up with a retryable FinalizerConflictError when the object keeps changing', async () => {
    const store = fakeStore(object(), { interfere: (current) => ({ ...current }) });
    const error = await addFinalizer(store.client, object(), 'weft.dev/f', { maxAttempts: 3 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FinalizerConflictError);
    expect((error as FinalizerConflictError).message).toBe('ConfigMap/prod/web: could not update finalizer weft.dev/f after 3 attempts: the object kept changing');
    expect((error as FinalizerConflictError).retryable).toBe(true);
  });

  it('removes only its own finalizer, and treats a vanished object as done', async () => {
    const store = fakeStore(object(['a', 'weft.dev/f', 'b']));
    expect((await removeFinalizer(store.client, object(['a', 'weft.dev/f', 'b']), 'weft.dev/f'))?.metadata.finalizers).toEqual(['a', 'b']);
    const gone = fakeStore(object(['weft.dev/f'], true));
    expect(await removeFinalizer(gone.client, object(['weft.dev/f'], true), 'weft.dev/f')).toBeDefined();
    expect(gone.stored()).toBeUndefined();
    expect(await removeFinalizer(gone.client, object(['weft.dev/f'], true), 'weft.dev/f')).toBeUndefined();
  });

  it('tells finalizers and deletion apart', () => {
    expect(hasFinalizer(object(['x']), 'x')).toBe(true);
    expect(hasFinalizer(object(), 'x')).toBe(false);
    expect(isBeingDeleted(object([], true))).toBe(true);
    expect(isBeingDeleted(object())).toBe(false);
  });
});

describe('reconcileWithFinalizer', () => {
  const run = (store: ReturnType<typeof fakeStore>, current: KubeObject, calls: string[], cleanupFails = false) =>
    reconcileWithFinalizer(store.client, current, {
      finalizer: 'weft.dev/f',
      apply: async (live) => {
        calls.push(`apply ${live.metadata.finalizers?.join(',')}`);
        return 42;
      },
      cleanup: async () => {
        calls.push('cleanup');
        if (cleanupFails) throw new Error('cleanup failed');
      },
    });

  it('adds the finalizer before apply on a live object', async () => {
    const calls: string[] = [];
    const outcome = await run(fakeStore(object()), object(), calls);
    expect(outcome).toMatchObject({ action: 'apply', result: 42, finalizerAdded: true });
    expect(calls).toEqual(['apply weft.dev/f']);
  });

  it('runs cleanup, then removes the finalizer, on a deleting object; never apply', async () => {
    const calls: string[] = [];
    const store = fakeStore(object(['weft.dev/f'], true));
    const outcome = await run(store, object(['weft.dev/f'], true), calls);
    expect(outcome.action).toBe('cleanup');
    expect(calls).toEqual(['cleanup']);
    expect(store.stored()).toBeUndefined();
  });

  it('keeps the finalizer when cleanup fails, so it runs again', async () => {
    const calls: string[] = [];
    const store = fakeStore(object(['weft.dev/f'], true));
    await expect(run(store, object(['weft.dev/f'], true), calls, true)).rejects.toThrow('cleanup failed');
    expect(store.stored()?.metadata.finalizers).toEqual(['weft.dev/f']);
    expect(store.writes).toEqual([]);
  });

  it('does nothing for a deleting object without its finalizer', async () => {
    const calls: string[] = [];
    expect(await run(fakeStore(object(['other'], true)), object(['other'], true), calls)).toEqual({ action: 'none' });
    expect(calls).toEqual([]);
  });
});
