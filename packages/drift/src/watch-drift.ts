import { setMaxListeners } from 'node:events';
import { Observable } from 'rxjs';
import { describeObject, inventoryId, isCancelledError, objectRef, sleep, type KubeClient, type KubeObject, type ObjectRef } from '@weft/reconcile-core';
import { concurrencyLimiter } from './bounded-concurrency.js';
import { applyPolicyOf, driftDisabled } from './annotations.js';
import { applyObjects } from './apply-objects.js';
import type { ChangeSetEntry } from './changeset.js';
import { diffObject, type ObjectDiff } from './diff.js';
import { compileIgnoreRules, type IgnoreRule, type InvalidIgnoreRuleError } from './ignore.js';
import { managedFieldsOf } from './managed-fields.js';
import { comparableCopy } from './object-diff.js';
import { ownWrites } from './own-writes.js';
import { claimedByAnother, withOwnerLabels, type SetOwner } from './ownership.js';
import { createLive, getLive } from './requests.js';
import { sharedKindWatch } from './kind-watch.js';

/** What {@link watchDrift} does with drift: `revert` re-applies (taking ownership back), `report` only tells. */
export type RemediationMode = 'revert' | 'report';

/** One thing {@link watchDrift} saw or did. */
export type DriftEvent =
  /** Every watch is open: edits from now on are seen. */
  | { readonly type: 'watching'; readonly objects: number }
  /** The first check of every watched object is done (drift found in it was reported before this). */
  | { readonly type: 'synced'; readonly objects: number }
  /** An object differs from git (or was deleted: `diff.status === 'missing'`). */
  | { readonly type: 'drifted'; readonly ref: ObjectRef; readonly subject: string; readonly diff: ObjectDiff; readonly editedBy: readonly string[]; readonly detectedAt: Date }
  /** The drift was reverted by re-applying the object. */
  | { readonly type: 'reverted'; readonly ref: ObjectRef; readonly subject: string; readonly change: ChangeSetEntry; readonly revertedAt: Date }
  /** The object's ownership labels name another owner: it is left alone (neither reported as drift nor reverted). */
  | { readonly type: 'claimed'; readonly ref: ObjectRef; readonly subject: string; readonly owner: SetOwner }
  /** Checking or reverting one object failed; watching goes on. */
  | { readonly type: 'error'; readonly ref?: ObjectRef; readonly subject?: string; readonly error: Error };

/** Options of {@link watchDrift}. */
export interface WatchDriftOptions {
  /** Default `report`. */
  readonly mode?: RemediationMode;
  /** The field manager that applies the set. Default `weft`. */
  readonly fieldManager?: string;
  /** The owner that applies the set (see `applySet`'s `owner`): objects whose labels name another owner are left alone. */
  readonly owner?: SetOwner;
  readonly ignore?: readonly IgnoreRule[];
  /** Record a Kubernetes Event (`Warning DriftDetected`, `Normal DriftReverted`) on each drifted object. Default true. */
  readonly recordEvents?: boolean;
  /** Objects checked (dry-run) at once. Default 16. */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

/**
 * Watches the objects of an applied set and reports each edit made behind git's back as it
 * happens, reverting it in `revert` mode.
 *
 * @remarks
 * Guarantees:
 * - Event-driven: one watch per kind and namespace, re-listed when the watch expires, shared by
 *   every `watchDrift` on the same client (200 sets in one namespace open one watch per kind), so
 *   an edit is seen within a round trip of the apiserver, not on the next interval.
 * - Its own pipeline's writes are never drift: what {@link applySet} and {@link prune} write with
 *   the same client, field manager and owner is recorded by resourceVersion, and while they write
 *   one of the watched objects its check waits until they are done; a version they wrote (or
 *   found unchanged) is not checked, a deletion prune made is not drift. Status-only updates are
 *   filtered out too, before any dry run.
 * - Drift is judged as {@link diff} judges it (dry run, ignore rules, defaults never drift); a
 *   deleted object is drift too. In `revert` mode the object is re-applied (taking back fields
 *   `kubectl` claimed), once per edit; in `report` mode nothing is written but Events.
 * - With `owner`, an object whose ownership labels name another owner is left alone (a `claimed`
 *   event), never reverted. Objects annotated `weft.dev/drift: disabled` (or Flux's
 *   `kustomize.toolkit.fluxcd.io/reconcile: disabled`), live or in git, and objects with apply
 *   policy `Ignore` or `IfNotPresent` are left alone.
 * - Errors are values (`type: 'error'`; the object is checked again a second later); the
 *   Observable completes only when unsubscribed or the signal aborts.
 * @throws {@link InvalidIgnoreRuleError} as an error notification on subscribe when an ignore rule does not parse.
 * @example
 * ```ts
 * import { watchDrift } from '@weft/drift';
 *
 * const watching = watchDrift(client, applied.objects, { mode: 'revert', owner }).subscribe((event) => {
 *   if (event.type === 'drifted') console.log(`${event.subject} edited by ${event.editedBy.join(', ')}`);
 * });
 * ```
 */
export function watchDrift(client: KubeClient, objects: readonly KubeObject[], options: WatchDriftOptions = {}): Observable<DriftEvent> {
  return new Observable<DriftEvent>((subscriber) => {
    const controller = new AbortController();
    // Every in-flight request listens on this one signal.
    setMaxListeners(0, controller.signal);
    const onOuterAbort = (): void => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onOuterAbort, { once: true });
    const signal = controller.signal;
    const fieldManager = options.fieldManager ?? 'weft';
    const mode = options.mode ?? 'report';
    const ignore = compileIgnoreRules(options.ignore);
    const recordEvents = options.recordEvents ?? true;
    const owner = options.owner;
    const ledger = ownWrites(client, fieldManager, owner);
    const watched = withOwnerLabels(objects, owner).filter((object) => !driftDisabled(object) && applyPolicyOf(object) !== 'Ignore' && applyPolicyOf(object) !== 'IfNotPresent');
    const desiredById = new Map(watched.map((object) => [inventoryId(objectRef(object)), object]));
    const fingerprints = new Map<string, string>();
    const queues = new Map<string, Promise<void>>();
    const limit = concurrencyLimiter(options.concurrency ?? 16);

    const emit = (event: DriftEvent): void => {
      if (!signal.aborted) subscriber.next(event);
    };

    const check = async (desired: KubeObject, live: KubeObject | undefined): Promise<void> => {
      const ref = objectRef(desired);
      const subject = describeObject(ref);
      const id = inventoryId(ref);
      // While this pipeline applies or prunes the object, its writes are not drift: wait, then skip what it wrote.
      await ledger.settled(id, signal);
      if (ledger.isOwn(id, live)) return;
      if (live && driftDisabled(live)) return;
      const claimant = claimedByAnother(live, owner);
      if (claimant) {
        emit({ type: 'claimed', ref, subject, owner: claimant });
        return;
      }
      const found = await diffObject(client, desired, { fieldManager, ignore, live: live ?? null, signal });
      if (found.status !== 'drifted' && found.status !== 'missing') return;
      emit({ type: 'drifted', ref, subject, diff: found, editedBy: live ? editors(live, fieldManager) : [], detectedAt: new Date() });
      if (recordEvents) await recordEvent(client, desired, live, mode === 'revert' ? 'Warning' : 'Warning', 'DriftDetected', `drift detected: ${found.changes.map((change) => change.path).join(', ') || 'object deleted'}`, signal);
      if (mode !== 'revert') return;
      const result = await applyObjects(client, [desired], { fieldManager, ignore: options.ignore ?? [], signal, ...(owner ? { owner } : {}) });
      const change = result.entries[0]!;
      emit({ type: 'reverted', ref, subject, change, revertedAt: new Date() });
      if (recordEvents) await recordEvent(client, desired, live, 'Normal', 'DriftReverted', `drift reverted (${change.action})`, signal);
    };

    const enqueue = (id: string, live: KubeObject | undefined): void => {
      const desired = desiredById.get(id);
      if (!desired) return;
      if (live) {
        const fingerprint = JSON.stringify(comparableCopy(live));
        if (fingerprints.get(id) === fingerprint) return;
        fingerprints.set(id, fingerprint);
      } else fingerprints.delete(id);
      const previous = queues.get(id) ?? Promise.resolve();
      const next = previous
        .then(() => limit(() => check(desired, live)))
        .catch((error: unknown) => {
          if (signal.aborted || isCancelledError(error)) return;
          emit({ type: 'error', ref: objectRef(desired), subject: describeObject(objectRef(desired)), error: error as Error });
          // Check again after a pause, from a fresh read: the next event may carry the same content.
          fingerprints.delete(id);
          void sleep(1_000, signal)
            .then((slept) => (slept ? getLive(client, objectRef(desired), { signal }) : Promise.reject(signal.reason)))
            .then((fresh) => enqueue(id, fresh))
            .catch(() => undefined);
        });
      queues.set(id, next);
    };

    // One shared list+watch per kind and namespace (see sharedKindWatch), however many sets follow it.
    const groups = new Map<string, { apiVersion: string; kind: string; namespace: string | undefined; ids: Map<string, string> }>();
    for (const object of watched) {
      const key = `${object.apiVersion}|${object.kind}|${object.metadata.namespace ?? ''}`;
      const group = groups.get(key) ?? { apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace, ids: new Map<string, string>() };
      group.ids.set(object.metadata.name, inventoryId(objectRef(object)));
      groups.set(key, group);
    }

    let listed = 0;
    const releases: (() => void)[] = [];
    if (groups.size === 0) {
      emit({ type: 'watching', objects: 0 });
      emit({ type: 'synced', objects: 0 });
    }
    for (const group of groups.values()) {
      let first = true;
      releases.push(
        sharedKindWatch(client, group.apiVersion, group.kind, group.namespace).add({
          names: new Set(group.ids.keys()),
          onObject: (name, live) => enqueue(group.ids.get(name)!, live),
          onListed: () => {
            if (!first) return;
            first = false;
            if (++listed === groups.size) {
              emit({ type: 'watching', objects: watched.length });
              void Promise.all(queues.values()).then(() => emit({ type: 'synced', objects: watched.length }));
            }
          },
          onError: (error) => emit({ type: 'error', error }),
        }),
      );
    }
    return () => {
      options.signal?.removeEventListener('abort', onOuterAbort);
      for (const release of releases) release();
      controller.abort();
    };
  });
}

/** The managers other than Weft that last wrote the object's fields (newest first). */
function editors(live: KubeObject, fieldManager: string): string[] {
  return managedFieldsOf(live)
    .filter((entry) => entry.manager && entry.manager !== fieldManager && !entry.subresource)
    .sort((a, b) => (b.time ?? '').localeCompare(a.time ?? ''))
    .map((entry) => entry.manager!);
}

async function recordEvent(client: KubeClient, desired: KubeObject, live: KubeObject | undefined, type: 'Normal' | 'Warning', reason: string, message: string, signal: AbortSignal): Promise<void> {
  const namespace = desired.metadata.namespace ?? 'default';
  const now = new Date().toISOString();
  const event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: `${desired.metadata.name}.`, namespace, name: '' },
    involvedObject: { apiVersion: desired.apiVersion, kind: desired.kind, name: desired.metadata.name, namespace: desired.metadata.namespace, uid: live?.metadata.uid, resourceVersion: live?.metadata.resourceVersion },
    type,
    reason,
    message: message.slice(0, 1024),
    source: { component: 'weft-drift' },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  } as unknown as KubeObject;
  // An Event is best effort: failing to record one must not stop drift correction.
  await createLive(client, event, { signal }).catch(() => undefined);
}

