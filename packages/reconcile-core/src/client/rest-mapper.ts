import { errorGuard, WeftError } from '../errors.js';
import { resourceKind, type ResourceKind } from '../resource/kinds.js';
import type { KubeObject } from '../resource/objects.js';
import { isNotFoundError } from './errors.js';
import { apiTarget } from './status.js';
import type { Transport } from './transport.js';

/** A kind named by `apiVersion` and `kind` only, as objects carry it; the REST mapper finds the rest. */
export interface KindRef {
  readonly apiVersion: string;
  readonly kind: string;
}

/** One resource as discovery lists it (`metav1.APIResource`, the fields Weft uses). */
export interface ApiResource {
  readonly name: string;
  readonly singularName?: string;
  readonly namespaced: boolean;
  readonly kind: string;
  readonly verbs: readonly string[];
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
}

/**
 * A kind the apiserver does not serve (yet): its group/version is unknown, or the group/version
 * has no such kind.
 *
 * @remarks Retryable: the CRD may not be installed or established yet.
 * @example
 * ```ts
 * import { isUnknownKindError, installCRDs } from '@weft/reconcile-core';
 * await client.mapper.resolve({ apiVersion: 'example.com/v1', kind: 'Widget' }).catch((e) => { if (isUnknownKindError(e)) return installCRDs(client, [WidgetKind]); throw e; });
 * ```
 */
export class UnknownKindError extends WeftError {
  override name = 'UnknownKindError';
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
    detail: string,
  ) {
    super(`${kind} (${apiVersion}): ${detail}`, { retryable: true });
  }
}

/** Whether a value is an {@link UnknownKindError} (an `instanceof` check, see {@link errorGuard}). */
export const isUnknownKindError = errorGuard(UnknownKindError);

interface GroupVersionEntry {
  readonly resources: readonly ApiResource[];
  readonly fetchedAt: number;
}

/**
 * Maps `{ apiVersion, kind }` to its REST resource (plural, namespaced) through discovery,
 * caching each group/version's resource list.
 *
 * @remarks
 * Guarantees: one discovery request per group/version until {@link RestMapper.invalidate};
 * concurrent lookups share it. A kind missing from a cached list triggers one fresh discovery of
 * that group/version (at most once per `refreshAfterMiss` ms), so a CRD installed while the
 * program runs is found without invalidating by hand.
 * Caveat: subresources (`deployments/status`) are not mapped.
 * @throws {@link UnknownKindError} and discovery's {@link KubeApiError}s from `resolve`.
 * @example
 * ```ts
 * import { KubeClient } from '@weft/reconcile-core';
 * const client = new KubeClient(kubeConfig);
 * const kind = await client.mapper.resolve({ apiVersion: 'apps/v1', kind: 'Deployment' });
 * ```
 */
export class RestMapper {
  private readonly cache = new Map<string, Promise<GroupVersionEntry | undefined>>();

  /** @internal Made by `KubeClient` (its transport is internal); use `client.mapper`. */
  constructor(
    private readonly transport: Transport,
    private readonly options: { readonly refreshAfterMiss?: number; readonly now?: () => number } = {},
  ) {}

  /**
   * The {@link ResourceKind} of a kind.
   *
   * @throws {@link UnknownKindError} when the apiserver does not serve it; a {@link KubeApiError} when discovery fails.
   * @example
   * ```ts
   * import { KubeClient } from '@weft/reconcile-core';
   * const client = new KubeClient(kubeConfig);
   * const kind = await client.mapper.resolve({ apiVersion: 'apps/v1', kind: 'Deployment' }); // { plural: 'deployments', namespaced: true, … }
   * ```
   */
  async resolve<T extends KubeObject = KubeObject>(ref: KindRef, options: { signal?: AbortSignal | undefined } = {}): Promise<ResourceKind<T>> {
    const now = this.options.now ?? Date.now;
    let entry = await this.resources(ref.apiVersion, options.signal, false);
    let found = entry?.resources.find((resource) => resource.kind === ref.kind);
    if (!found && entry !== undefined && now() - entry.fetchedAt >= (this.options.refreshAfterMiss ?? 1000)) {
      entry = await this.resources(ref.apiVersion, options.signal, true);
      found = entry?.resources.find((resource) => resource.kind === ref.kind);
    }
    if (!entry) throw new UnknownKindError(ref.apiVersion, ref.kind, `the apiserver does not serve ${ref.apiVersion}`);
    if (!found) throw new UnknownKindError(ref.apiVersion, ref.kind, `${ref.apiVersion} has no kind ${ref.kind}`);
    return resourceKind<T>({ apiVersion: ref.apiVersion, kind: ref.kind, plural: found.name, namespaced: found.namespaced });
  }

  /**
   * The resources a group/version serves (top-level only), or `undefined` when it is not served.
   *
   * @throws a {@link KubeApiError} when discovery fails for another reason than 404.
   * @example
   * ```ts
   * import { KubeClient } from '@weft/reconcile-core';
   * const client = new KubeClient(kubeConfig);
   * const resources = await client.mapper.apiResources('apps/v1');
   * ```
   */
  async apiResources(apiVersion: string, options: { signal?: AbortSignal | undefined } = {}): Promise<readonly ApiResource[] | undefined> {
    return (await this.resources(apiVersion, options.signal, false))?.resources;
  }

  /**
   * Forgets cached discovery: of one group/version, or all.
   *
   * @example
   * ```ts
   * import { KubeClient } from '@weft/reconcile-core';
   * const client = new KubeClient(kubeConfig);
   * client.mapper.invalidate('example.com/v1');
   * ```
   */
  invalidate(apiVersion?: string): void {
    if (apiVersion === undefined) this.cache.clear();
    else this.cache.delete(apiVersion);
  }

  private resources(apiVersion: string, signal: AbortSignal | undefined, refresh: boolean): Promise<GroupVersionEntry | undefined> {
    const cached = this.cache.get(apiVersion);
    if (cached && !refresh) return cached;
    const fetching = this.discover(apiVersion, signal);
    this.cache.set(apiVersion, fetching);
    // A failed discovery (or one that finds nothing) is not cached: the next lookup asks again.
    fetching.then(
      (entry) => {
        if (!entry && this.cache.get(apiVersion) === fetching) this.cache.delete(apiVersion);
      },
      () => {
        if (this.cache.get(apiVersion) === fetching) this.cache.delete(apiVersion);
      },
    );
    return fetching;
  }

  private async discover(apiVersion: string, signal: AbortSignal | undefined): Promise<GroupVersionEntry | undefined> {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    try {
      const response = await this.transport.send<{ resources?: ApiResource[] }>({
        method: 'GET',
        path,
        verb: 'discover',
        target: apiTarget(apiVersion, 'APIResourceList'),
        signal,
        timeout: 30_000,
      });
      const resources = (response.body.resources ?? []).filter((resource) => !resource.name.includes('/'));
      return { resources, fetchedAt: (this.options.now ?? Date.now)() };
    } catch (error) {
      if (isNotFoundError(error)) return undefined;
      throw error;
    }
  }
}
