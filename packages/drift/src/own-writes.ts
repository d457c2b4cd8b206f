import type { KubeClient, KubeObject } from '@weft/reconcile-core';
import { inventoryEntryRef } from './inventory.js';
import { cancelled } from './requests.js';
import { describeOwner, type SetOwner } from './ownership.js';

/** How many of an object's own resourceVersions are remembered (an apply may write it twice: take ownership, then apply). */
const versionsKept = 4;
/** Objects remembered per ledger before the oldest are forgotten. */
const objectsKept = 50_000;

/** One apply (or prune) in progress: what it writes is recorded, and drift checks of its objects wait for {@link ApplyWindow.end}. */
export interface ApplyWindow {
  /** The object now has this resourceVersion because this apply wrote it, or found it already as the set wants it. */
  wrote(id: string, object: KubeObject | undefined): void;
  /** This apply deleted the object (prune, a rollback, a recreate). */
  deleted(id: string): void;
  /** The apply is over; waiting drift checks go on. Idempotent. */
  end(): void;
}

/**
 * What one pipeline (a client, a field manager, an owner) wrote itself, so its drift correction
 * tells its own writes from edits made behind git's back: by resourceVersion, not by guessing
 * from `managedFields`.
 *
 * @remarks
 * While an apply of an object is in progress its drift checks wait ({@link OwnWrites.settled});
 * afterwards an event whose resourceVersion the apply wrote (or verified unchanged) is the
 * pipeline's own and is not checked, and a deletion prune made is not drift.
 */
export class OwnWrites {
  private readonly inFlight = new Map<string, number>();
  private readonly waiters = new Map<string, (() => void)[]>();
  /** By object id: its latest own resourceVersions, or `null` when the pipeline deleted it. */
  private readonly versions = new Map<string, string[] | null>();

  /** Opens a window over the objects an apply or prune is about to write. */
  begin(ids: Iterable<string>): ApplyWindow {
    const held = [...new Set(ids)];
    for (const id of held) this.inFlight.set(id, (this.inFlight.get(id) ?? 0) + 1);
    let open = true;
    return {
      wrote: (id, object) => {
        const version = object?.metadata.resourceVersion;
        if (!version) return;
        const known = this.versions.get(id) ?? [];
        this.remember(id, [...known.filter((item) => item !== version), version].slice(-versionsKept));
      },
      deleted: (id) => this.remember(id, null),
      end: () => {
        if (!open) return;
        open = false;
        for (const id of held) {
          const count = (this.inFlight.get(id) ?? 1) - 1;
          if (count > 0) {
            this.inFlight.set(id, count);
            continue;
          }
          this.inFlight.delete(id);
          const waiting = this.waiters.get(id) ?? [];
          this.waiters.delete(id);
          for (const wake of waiting) wake();
        }
      },
    };
  }

  /** Resolves once no apply of the object is in progress (at once when none is). */
  settled(id: string, signal: AbortSignal): Promise<void> {
    if (!this.inFlight.has(id)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(cancelled('wait for apply', inventoryEntryRef({ id, v: '' }), signal));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      const waiting = this.waiters.get(id) ?? [];
      waiting.push(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      this.waiters.set(id, waiting);
    });
  }

  /** Whether this state of the object (undefined: absent) is the pipeline's own doing. */
  isOwn(id: string, live: KubeObject | undefined): boolean {
    const known = this.versions.get(id);
    if (known === undefined) return false;
    if (!live) return known === null;
    return known !== null && known.includes(live.metadata.resourceVersion ?? '');
  }

  private remember(id: string, value: string[] | null): void {
    // Map order is insertion order: re-inserting keeps the most recently written last.
    this.versions.delete(id);
    this.versions.set(id, value);
    if (this.versions.size > objectsKept) this.versions.delete(this.versions.keys().next().value!);
  }
}

const ledgers = new WeakMap<KubeClient, Map<string, OwnWrites>>();

/**
 * The {@link OwnWrites} of one pipeline: shared by every verb called with the same client, field
 * manager and owner, so `applySet`, `prune` and `watchDrift` see each other's writes without
 * being wired together.
 */
export function ownWrites(client: KubeClient, fieldManager: string, owner: SetOwner | undefined): OwnWrites {
  let byPipeline = ledgers.get(client);
  if (!byPipeline) ledgers.set(client, (byPipeline = new Map()));
  const key = `${fieldManager}|${owner ? describeOwner(owner) : ''}`;
  let ledger = byPipeline.get(key);
  if (!ledger) byPipeline.set(key, (ledger = new OwnWrites()));
  return ledger;
}
