import type { CallOptions, KubeClient, StatusOf, StatusPatch } from '../client/kube-client.js';
import type { ResourceKind } from '../resource/kinds.js';
import type { KubeObject } from '../resource/objects.js';

/** Options of {@link writeStatus}. */
export interface WriteStatusOptions<T extends KubeObject> extends CallOptions {
  /** The object's kind, to skip discovery; default: mapped from the object's apiVersion and kind. */
  readonly kind?: ResourceKind<T> | undefined;
  /** Field manager of the patch. Default: the client's. */
  readonly fieldManager?: string | undefined;
  /**
   * What the apiserver does with a field the schema does not declare. Default `Strict`: the write
   * fails (kube-apiserver: 422, `strict decoding error: unknown field "status.x"`) instead of the
   * field being dropped silently.
   */
  readonly fieldValidation?: 'Strict' | 'Warn' | 'Ignore' | undefined;
}

/**
 * Writes an object's status when it differs from the status the object carries, and only then:
 * a write that changes nothing would cause one more watch event, and one more reconcile.
 * Returns the object as stored after the write, or `undefined` when nothing changed.
 *
 * @remarks
 * Guarantees: the comparison ignores key order (the apiserver may return fields in another order
 * than they were sent); the write is a JSON merge patch of the status subresource holding only what
 * changed (`null` for fields that are gone, lists replaced whole), so fields other writers own are
 * left alone; `status` is typed by the kind's schema ({@link StatusOf}) and, by default, the
 * apiserver refuses an undeclared field (`fieldValidation: 'Strict'`) rather than pruning it.
 * Caveat: `object` is the state the status was computed from; a status another writer changed
 * since is overwritten field by field (last writer wins), as Flux's patch helper does.
 * @throws {@link NotFoundError} when the object is gone; {@link InvalidError} for an undeclared
 * field (`strict decoding error: unknown field "status.x"`); other {@link KubeApiError}s;
 * {@link CancelledError} / {@link TimeoutError}.
 * @example
 * ```ts
 * import { markReady, writeStatus } from '@weft/reconcile-core';
 * const ready = markReady(app.status, { reason: 'Succeeded', message: 'deployed', generation: app.metadata.generation });
 * if (await writeStatus(ctx.client, app, { ...ready, url }, { signal: ctx.signal })) ctx.recorder?.event(app, 'Normal', 'Succeeded', 'deployed');
 * ```
 */
export async function writeStatus<T extends KubeObject>(client: Pick<KubeClient, 'patchStatus'>, object: T, status: StatusOf<T>, options: WriteStatusOptions<T> = {}): Promise<T | undefined> {
  const change = mergePatch(object['status'] ?? {}, status ?? {});
  if (change === undefined) return undefined;
  const kind = options.kind ?? { apiVersion: object.apiVersion, kind: object.kind };
  return client.patchStatus<T>(kind, object.metadata.name, { status: change } as StatusPatch<T>, {
    namespace: object.metadata.namespace,
    type: 'merge',
    fieldManager: options.fieldManager,
    fieldValidation: options.fieldValidation ?? 'Strict',
    signal: options.signal,
    timeout: options.timeout,
  });
}

/**
 * The JSON merge patch (RFC 7386) that turns `before` into `after`, or `undefined` when they are
 * equal as JSON. Objects are compared field by field; anything else is replaced whole.
 */
export function mergePatch(before: unknown, after: unknown): unknown {
  if (!isJsonObject(before) || !isJsonObject(after)) return jsonEqual(before, after) ? undefined : after;
  const patch: Record<string, unknown> = {};
  let changed = false;
  for (const [key, value] of Object.entries(after)) {
    if (value === undefined) continue;
    const part = Object.prototype.hasOwnProperty.call(before, key) && before[key] !== undefined ? mergePatch(before[key], value) : value;
    if (part === undefined) continue;
    patch[key] = part;
    changed = true;
  }
  for (const [key, value] of Object.entries(before)) {
    if (value === undefined || after[key] !== undefined) continue;
    patch[key] = null;
    changed = true;
  }
  return changed ? patch : undefined;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Equality as JSON: object key order does not matter, `undefined` fields count as absent. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, index) => jsonEqual(item, b[index]));
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!jsonEqual(a[key], b[key])) return false;
    return true;
  }
  return false;
}
