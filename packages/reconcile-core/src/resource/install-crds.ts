import type { KubeClient } from '../client/kube-client.js';
import { abortedCallError, TimeoutError } from '../client/errors.js';
import { isUnknownKindError } from '../client/rest-mapper.js';
import { sleep } from '../timers.js';
import { apiTarget } from '../client/status.js';
import { parseDuration, type Duration } from '../duration.js';
import { WeftError } from '../errors.js';
import { CustomResourceDefinitionKind } from './kinds.js';
import type { CustomResourceDefinition } from './define-resource.js';

/** Options of {@link installCRDs}. */
export interface InstallCRDsOptions {
  readonly signal?: AbortSignal | undefined;
  /** How long to wait for every CRD to be Established and served. Default `60s`. */
  readonly timeout?: Duration | undefined;
  /** Field manager of the apply. Default: the client's (`weft`). */
  readonly fieldManager?: string | undefined;
  /** How often to look at the CRDs' conditions. Default `200ms`. */
  readonly pollInterval?: Duration | undefined;
}

/**
 * The apiserver refused a CRD's names (`NamesAccepted=False`), e.g. a plural another CRD uses.
 *
 * @remarks Not retryable: change the names.
 * @example
 * ```ts
 * import { installCRDs, CRDNamesNotAcceptedError } from '@weft/reconcile-core';
 * await installCRDs(client, [WidgetKind]).catch((e) => { if (e instanceof CRDNamesNotAcceptedError) console.error(e.message); });
 * ```
 */
export class CRDNamesNotAcceptedError extends WeftError {
  override name = 'CRDNamesNotAcceptedError';
  constructor(
    readonly crdName: string,
    detail: string,
  ) {
    super(`CustomResourceDefinition/${crdName} names not accepted: ${detail}`);
  }
}

/**
 * Server-side applies CRDs (from {@link defineResource} results or CRD manifests) and waits until
 * each is `Established` and its kind is served by discovery.
 *
 * @remarks
 * Guarantees: on return, objects of every kind can be created, and the client's REST mapper knows
 * them. The apply is forced (the CRD belongs to its definition) and idempotent: installing again
 * updates the schema in place.
 * @throws {@link CRDNamesNotAcceptedError}; {@link TimeoutError} when not established within `timeout`;
 * {@link CancelledError} when the signal aborts; other {@link KubeApiError}s (e.g. {@link InvalidError}
 * for a schema the apiserver rejects).
 * @example
 * ```ts
 * import { installCRDs } from '@weft/reconcile-core';
 * await installCRDs(client, [WebAppKind, DatabaseKind], { signal, timeout: '30s' });
 * ```
 */
export async function installCRDs(client: KubeClient, definitions: readonly ({ readonly crd: CustomResourceDefinition } | CustomResourceDefinition)[], options: InstallCRDsOptions = {}): Promise<CustomResourceDefinition[]> {
  const crds: CustomResourceDefinition[] = definitions.map((definition) => ('crd' in definition && definition.crd ? (definition.crd as CustomResourceDefinition) : (definition as CustomResourceDefinition)));
  const timeout = parseDuration(options.timeout ?? '60s');
  const pollInterval = parseDuration(options.pollInterval ?? '200ms');
  const deadline = Date.now() + timeout;
  const signal = options.signal;

  const applied = await Promise.all(crds.map((crd) => client.apply<CustomResourceDefinition>(crd, { kind: CustomResourceDefinitionKind, force: true, fieldManager: options.fieldManager, signal })));
  for (const crd of applied) {
    const name = crd.metadata.name;
    const target = apiTarget(CustomResourceDefinitionKind.apiVersion, CustomResourceDefinitionKind.kind, { name });
    const stop = (): never => {
      if (signal?.aborted) throw abortedCallError({ verb: 'install', target, code: 0 }, signal.reason, false);
      throw new TimeoutError({ verb: 'install', target, code: 0, source: 'client', detail: `not Established and served within ${timeout} ms` });
    };
    for (let current = crd; ; ) {
      const conditions = current.status?.conditions ?? [];
      const namesAccepted = conditions.find((condition) => condition.type === 'NamesAccepted');
      if (namesAccepted?.status === 'False') throw new CRDNamesNotAcceptedError(name, namesAccepted.message ?? namesAccepted.reason ?? 'no reason given');
      if (conditions.some((condition) => condition.type === 'Established' && condition.status === 'True')) break;
      if (signal?.aborted || Date.now() >= deadline) stop();
      await sleep(Math.min(pollInterval, Math.max(0, deadline - Date.now())), signal);
      if (signal?.aborted) stop();
      current = await client.get(CustomResourceDefinitionKind, name, { signal });
    }
    // Established can precede discovery by a moment; wait until the kind resolves.
    const served = { apiVersion: `${crd.spec.group}/${crd.spec.versions.find((version) => version.storage)?.name ?? crd.spec.versions[0]?.name}`, kind: crd.spec.names.kind };
    for (;;) {
      client.mapper.invalidate(served.apiVersion);
      try {
        await client.mapper.resolve(served, { signal });
        break;
      } catch (error) {
        if (!isUnknownKindError(error)) throw error;
      }
      if (signal?.aborted || Date.now() >= deadline) stop();
      await sleep(Math.min(pollInterval, Math.max(0, deadline - Date.now())), signal);
      if (signal?.aborted) stop();
    }
  }
  return applied;
}
