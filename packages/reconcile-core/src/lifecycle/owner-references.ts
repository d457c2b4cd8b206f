import { WeftError } from '../errors.js';
import { describeObject, type KubeObject, objectRef, parseApiVersion } from '../resource/objects.js';

/** One `metadata.ownerReferences` entry (`metav1.OwnerReference`). */
export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  /** At most one owner reference of an object is its controller. */
  readonly controller?: boolean;
  /** Foreground deletion of the owner waits for this object. */
  readonly blockOwnerDeletion?: boolean;
}


/**
 * An owner reference that Kubernetes would refuse or that would take an object from its
 * controller: an owner without a uid, an owner in another namespace, a namespaced owner of a
 * cluster-scoped object.
 *
 * @remarks Not retryable: the objects, not the moment, are wrong.
 * @example
 * ```ts
 * import { TerminalError, OwnerReferenceError, setControllerReference } from '@weft/reconcile-core';
 * try { setControllerReference(app, configMap); } catch (error) { if (error instanceof OwnerReferenceError) throw new TerminalError(error.message); }
 * ```
 */
export class OwnerReferenceError extends WeftError {
  override name = 'OwnerReferenceError';
  constructor(
    /** `Kind/namespace/name` of the object the reference was for. */
    readonly object: string,
    message: string,
  ) {
    super(`${object}: ${message}`);
  }
}

/**
 * The object already has a controller, and it is not the owner given: controller-runtime's
 * `AlreadyOwnedError`. Two controllers must never fight over one object.
 *
 * @remarks Not retryable: release the object from its controller first.
 * @example
 * ```ts
 * import { AlreadyOwnedError, setControllerReference } from '@weft/reconcile-core';
 * try { setControllerReference(app, existing); } catch (error) { if (error instanceof AlreadyOwnedError) console.log(error.controller.name); }
 * ```
 */
export class AlreadyOwnedError extends OwnerReferenceError {
  override name = 'AlreadyOwnedError';
  constructor(
    object: string,
    /** The controller reference the object already carries. */
    readonly controller: OwnerReference,
  ) {
    super(object, `already controlled by ${controller.kind}/${controller.name} (uid ${controller.uid})`);
  }
}

/**
 * The controller owner reference of `owner` (`controller: true`, `blockOwnerDeletion: true`),
 * as kube-rs' `Resource::controller_owner_ref` and what `controller(Kind).owns(Child)` follows.
 *
 * @remarks The owner must have been read from the apiserver (it needs its `uid`).
 * @throws {@link OwnerReferenceError} when the owner has no `metadata.uid`.
 * @example
 * ```ts
 * import { controllerOwnerRef } from '@weft/reconcile-core';
 * const child = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, ownerReferences: [controllerOwnerRef(app)] }, data };
 * ```
 */
export function controllerOwnerRef(owner: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): OwnerReference {
  const uid = owner.metadata.uid;
  if (!uid) throw new OwnerReferenceError(describeObject(objectRef(owner)), 'has no metadata.uid (read it from the apiserver before owning objects with it)');
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid, controller: true, blockOwnerDeletion: true };
}

/**
 * Returns a copy of `object` whose controller is `owner`, as controller-runtime's
 * `SetControllerReference`: Kubernetes then deletes it with its owner, and a controller with
 * `.owns(Kind)` reconciles the owner when it changes.
 *
 * @remarks
 * Guarantees: the input is not changed (cached objects are frozen); a reference to the same
 * owner (same API group, kind and name) is replaced, other owner references are kept.
 * Caveat: whether a kind is namespaced is read from the objects (`metadata.namespace`), so set
 * the child's namespace before calling.
 * @throws {@link AlreadyOwnedError} when another object is already its controller;
 * {@link OwnerReferenceError} for an owner in another namespace, a namespaced owner of a
 * cluster-scoped object, or an owner without a uid.
 * @example
 * ```ts
 * import { setControllerReference } from '@weft/reconcile-core';
 * await ctx.client.apply(setControllerReference(app, desiredDeployment(app)), { force: true, signal: ctx.signal });
 * ```
 */
export function setControllerReference<T extends Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>>(owner: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>, object: T): T {
  const reference = controllerOwnerRef(owner);
  const described = describeObject(objectRef(object));
  const ownerNamespace = owner.metadata.namespace;
  if (ownerNamespace) {
    if (!object.metadata.namespace) throw new OwnerReferenceError(described, `a cluster-scoped object cannot have a namespaced owner (${describeObject(objectRef(owner))})`);
    if (object.metadata.namespace !== ownerNamespace) throw new OwnerReferenceError(described, `cross-namespace owner references are disallowed: the owner ${describeObject(objectRef(owner))} is in namespace ${ownerNamespace}`);
  }
  const references = (object.metadata.ownerReferences ?? []) as readonly OwnerReference[];
  const current = references.find((existing) => existing.controller === true);
  if (current && !sameOwner(current, reference)) throw new AlreadyOwnedError(described, current);
  const kept = references.filter((existing) => !sameOwner(existing, reference));
  return { ...object, metadata: { ...object.metadata, ownerReferences: [...kept, reference] } };
}

/**
 * Whether `owner` is the controller of `object` (a `controller: true` reference with the owner's
 * uid), as `metav1.IsControlledBy`: the test before updating or deleting a child.
 *
 * @remarks Compares uids: a re-created owner of the same name does not control its predecessor's children.
 * @example
 * ```ts
 * import { TerminalError, isControlledBy } from '@weft/reconcile-core';
 * if (existing && !isControlledBy(existing, app)) throw new TerminalError(`${name} belongs to someone else`);
 * ```
 */
export function isControlledBy(object: Pick<KubeObject, 'metadata'>, owner: Pick<KubeObject, 'metadata'>): boolean {
  const uid = owner.metadata.uid;
  return uid !== undefined && (object.metadata.ownerReferences ?? []).some((reference) => reference.controller === true && reference.uid === uid);
}

/**
 * Whether `object` lists `owner` among its owners (controller or not), by uid.
 *
 * @remarks See {@link isControlledBy} for the controller alone.
 * @example
 * ```ts
 * import { isOwnedBy } from '@weft/reconcile-core';
 * const children = store.list().filter((child) => isOwnedBy(child, app));
 * ```
 */
export function isOwnedBy(object: Pick<KubeObject, 'metadata'>, owner: Pick<KubeObject, 'metadata'>): boolean {
  const uid = owner.metadata.uid;
  return uid !== undefined && (object.metadata.ownerReferences ?? []).some((reference) => reference.uid === uid);
}

/** Same owner as controller-runtime compares them: API group, kind and name (not the version, not the uid). */
function sameOwner(a: Pick<OwnerReference, 'apiVersion' | 'kind' | 'name'>, b: Pick<OwnerReference, 'apiVersion' | 'kind' | 'name'>): boolean {
  return a.kind === b.kind && a.name === b.name && parseApiVersion(a.apiVersion).group === parseApiVersion(b.apiVersion).group;
}
