import { CancelledError, isNotFoundError, KubeApiError, parseApiVersion, sleep, type ApiTarget, type JsonPatchOperation, type KubeClient, type KubeObject, type ObjectRef } from '@weft/reconcile-core';

/**
 * The requests drift's verbs send, each over the caller's reconcile-core `KubeClient` (its one
 * connection pool and its typed errors), with two things the verbs need on top:
 * - an apiserver that went away (restart, overload) is waited for: connection losses, 429, 502,
 *   503 and 504 are retried for up to a minute with exponential backoff, beyond the client's own
 *   few retries, so a restart in the middle of a set only delays it (every request here is
 *   idempotent or guarded by a resourceVersion test);
 * - absence is a value where a verb expects it: {@link getLive} gives `undefined`, {@link deleteLive} `false`.
 * Errors are the client's (`KubeApiError` and its subclasses, `UnknownKindError` for a kind not
 * served); aborting gives reconcile-core's `CancelledError`.
 */

/** How long a request is retried while the apiserver is unavailable, in ms. */
const unavailableFor = 60_000;

/** `{ apiVersion, kind }` of an object reference, as the client resolves kinds. */
export function kindOf(ref: Pick<ObjectRef, 'group' | 'version' | 'kind'>): { apiVersion: string; kind: string } {
  return { apiVersion: ref.group ? `${ref.group}/${ref.version}` : ref.version, kind: ref.kind };
}

/** The `CancelledError` a drift verb stops with when its signal aborts, about `target` (an object, or a set of them). */
export function cancelled(verb: string, target: ApiTarget, signal: AbortSignal | undefined): CancelledError {
  return new CancelledError({ verb, target, code: 0, detail: 'cancelled', cause: signal?.reason });
}

/** The target of a verb on a whole set of objects, for errors: `3 objects wait failed: cancelled`. */
export function setTarget(count: number): ApiTarget {
  return { group: '', version: '', kind: `${count} object${count === 1 ? '' : 's'}` };
}

/** Waits `ms`, or throws {@link cancelled} as soon as the signal aborts. */
export async function pause(ms: number, verb: string, target: ApiTarget, signal: AbortSignal | undefined): Promise<void> {
  if (!(await sleep(ms, signal))) throw cancelled(verb, target, signal);
}

/** Whether a failure is the apiserver being away or overloaded (not a deterministic answer, such as a 500 for a patch it cannot type). */
function isUnavailable(error: unknown): boolean {
  return error instanceof KubeApiError && error.retryable && [0, 429, 502, 503, 504].includes(error.code);
}

/** Runs one request, retrying while the apiserver is unavailable (see the module's remarks). */
async function untilAvailable<T>(verb: string, target: ApiTarget, signal: AbortSignal | undefined, request: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) throw cancelled(verb, target, signal);
    try {
      return await request();
    } catch (error) {
      if (!isUnavailable(error) || Date.now() - started > unavailableFor) throw error;
      await pause(Math.min(2_000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2), verb, target, signal);
    }
  }
}

/** Server-side applies one object (`force` takes fields from other managers); with `dryRun` nothing is stored. */
export function applyLive(client: KubeClient, object: KubeObject, options: { fieldManager: string; force?: boolean; dryRun?: boolean; signal?: AbortSignal | undefined }): Promise<KubeObject> {
  const target = targetOf(object);
  return untilAvailable('apply', target, options.signal, () => client.apply(object, { fieldManager: options.fieldManager, force: options.force ?? false, dryRun: options.dryRun ?? false, signal: options.signal }));
}

/** The live object, or `undefined` when it does not exist. */
export function getLive(client: KubeClient, ref: ObjectRef, options: { signal?: AbortSignal | undefined } = {}): Promise<KubeObject | undefined> {
  return untilAvailable('get', ref, options.signal, () => client.get(kindOf(ref), ref.name, { namespace: ref.namespace, signal: options.signal }).catch((error: unknown) => (isNotFoundError(error) ? undefined : Promise.reject(error))));
}

/** Deletes an object; `false` when it was already gone. */
export function deleteLive(client: KubeClient, ref: ObjectRef, options: { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan'; signal?: AbortSignal | undefined } = {}): Promise<boolean> {
  return untilAvailable('delete', ref, options.signal, () =>
    client.delete(kindOf(ref), ref.name, { namespace: ref.namespace, propagationPolicy: options.propagationPolicy ?? 'Background', signal: options.signal }).then(
      () => true,
      (error: unknown) => (isNotFoundError(error) ? false : Promise.reject(error)),
    ),
  );
}

/** Applies a JSON patch (RFC 6902); a failed `test` operation is a 409 or 422. */
export function jsonPatchLive(client: KubeClient, ref: ObjectRef, operations: readonly JsonPatchOperation[], options: { signal?: AbortSignal | undefined } = {}): Promise<KubeObject> {
  return untilAvailable('patch', ref, options.signal, () => client.patch(kindOf(ref), ref.name, operations, { type: 'json', namespace: ref.namespace, signal: options.signal }));
}

/** JSON-merge-patches an object's status subresource. */
export function mergePatchStatus(client: KubeClient, ref: ObjectRef, patch: object, options: { signal?: AbortSignal | undefined } = {}): Promise<KubeObject> {
  return untilAvailable('patch status', ref, options.signal, () => client.patchStatus(kindOf(ref), ref.name, patch as never, { type: 'merge', namespace: ref.namespace, signal: options.signal }));
}

/** Creates an object (drift's core `v1` Events). */
export function createLive(client: KubeClient, object: KubeObject, options: { signal?: AbortSignal | undefined } = {}): Promise<KubeObject> {
  return untilAvailable('create', targetOf(object), options.signal, () => client.create(object, { signal: options.signal }));
}

/** Every object of a kind in a namespace (or cluster-wide), each with `apiVersion` and `kind`. */
export function listLive(client: KubeClient, apiVersion: string, kind: string, namespace: string | undefined, options: { signal?: AbortSignal | undefined } = {}): Promise<KubeObject[]> {
  const target: ApiTarget = { ...kindTarget(apiVersion, kind), ...(namespace ? { namespace } : {}) };
  return untilAvailable('list', target, options.signal, async () => (await client.listAll({ apiVersion, kind }, { namespace, signal: options.signal })).items);
}

/** Whether the apiserver serves the kind namespaced, from discovery; throws `UnknownKindError` when it does not serve it. */
export function isNamespaced(client: KubeClient, apiVersion: string, kind: string, signal?: AbortSignal): Promise<boolean> {
  return untilAvailable('discover', kindTarget(apiVersion, kind), signal, async () => (await client.resourceKind({ apiVersion, kind }, { signal })).namespaced);
}

function kindTarget(apiVersion: string, kind: string): ApiTarget {
  return { ...parseApiVersion(apiVersion), kind };
}

function targetOf(object: KubeObject): ApiTarget {
  const { namespace, name } = object.metadata;
  return { ...kindTarget(object.apiVersion, object.kind), ...(namespace ? { namespace } : {}), ...(name ? { name } : {}) };
}
