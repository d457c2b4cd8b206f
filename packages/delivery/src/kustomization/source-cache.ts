import type { KubeConfig } from '@kubernetes/client-node';
import { type GitRepository, GitRepositoryKind } from '@weft/git-source';
import { type Store, type WatchTransport, createStore, reflect, stripManagedFields, watch } from '@weft/reconcile-core';
import { type Subscription, tap } from 'rxjs';

/**
 * GitRepositories the Kustomization controller's trigger saw (it wakes a Kustomization when its
 * source's revision changes), by `namespace/name`. That trigger and the cache's watch are two
 * streams: the reconcile it wakes must not read an older source from a cache that lags behind it.
 */
const seenByTrigger = new Map<string, GitRepository>();

/** Tells every {@link SourceCache} of the process of a GitRepository the trigger saw (kept when newer than what the cache holds). */
export function noteSource(repository: GitRepository): void {
  const key = `${repository.metadata.namespace}/${repository.metadata.name}`;
  seenByTrigger.set(key, newer(seenByTrigger.get(key), repository) ?? repository);
}

/** The newer of two states of one object, by resourceVersion (etcd's are increasing integers). */
function newer(a: GitRepository | undefined, b: GitRepository | undefined): GitRepository | undefined {
  if (!a || !b) return a ?? b;
  const [va, vb] = [a.metadata.resourceVersion ?? '', b.metadata.resourceVersion ?? ''];
  if (!/^\d+$/.test(va) || !/^\d+$/.test(vb)) return b;
  return BigInt(va) >= BigInt(vb) ? a : b;
}

/**
 * The GitRepositories the Kustomization reconciler reads its sources from: one list+watch into a
 * reconcile-core store, instead of a request per reconcile, and a way to learn at once that a
 * source moved to a new revision (so a health check on an old one gives up).
 */
export class SourceCache {
  private readonly store: Store<GitRepository>;
  private readonly subscription: Subscription;
  private readonly listeners = new Map<string, Set<(repository: GitRepository) => void>>();

  constructor(transport: WatchTransport | KubeConfig, readonly namespace: string | undefined) {
    const { store, writer } = createStore<GitRepository>();
    this.store = store;
    this.subscription = watch(GitRepositoryKind, { transport, ...(namespace ? { namespace } : {}), transform: stripManagedFields as (object: unknown) => GitRepository })
      .pipe(
        reflect(writer),
        tap((event) => {
          if (event.type === 'Delete') seenByTrigger.delete(`${event.object.metadata.namespace}/${event.object.metadata.name}`);
          if (event.type !== 'Apply' && event.type !== 'InitApply') return;
          const key = `${event.object.metadata.namespace}/${event.object.metadata.name}`;
          for (const listener of this.listeners.get(key) ?? []) listener(event.object);
        }),
      )
      .subscribe();
  }

  /** Whether the cache holds every GitRepository of `namespace` (it watches that namespace or all). */
  covers(namespace: string): boolean {
    return this.namespace === undefined || this.namespace === namespace;
  }

  /** The cached GitRepository, after the first list; undefined when there is none. */
  async get(namespace: string, name: string, signal: AbortSignal): Promise<GitRepository | undefined> {
    await this.store.ready({ signal });
    return this.peek(namespace, name);
  }

  /** The cached GitRepository right now (undefined before the first list, or when there is none). */
  peek(namespace: string, name: string): GitRepository | undefined {
    const cached = this.store.get({ namespace, name });
    // What the trigger saw counts only for an object the cache knows (or before its first list).
    if (!cached && this.store.isReady) return undefined;
    return newer(cached, seenByTrigger.get(`${namespace}/${name}`));
  }

  /** Calls `listener` with each change of the GitRepository `namespace/name`; returns the way to stop. */
  onChange(namespace: string, name: string, listener: (repository: GitRepository) => void): () => void {
    const key = `${namespace}/${name}`;
    const listeners = this.listeners.get(key) ?? new Set();
    listeners.add(listener);
    this.listeners.set(key, listeners);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.listeners.delete(key);
    };
  }

  close(): void {
    this.subscription.unsubscribe();
    this.listeners.clear();
  }
}
