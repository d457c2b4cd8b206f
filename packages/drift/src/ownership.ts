import type { KubeObject } from '@weft/reconcile-core';
import { InvalidSetError } from './errors.js';

/**
 * Who applies a set: a Kustomization, or your own pipeline's name. Written as labels on every
 * object the set applies, so prune and drift correction act only on what is theirs.
 *
 * @example
 * ```ts
 * import type { SetOwner } from '@weft/drift';
 *
 * const owner: SetOwner = { name: 'shop', namespace: 'default' };
 * ```
 */
export interface SetOwner {
  readonly name: string;
  readonly namespace: string;
}

/**
 * The ownership labels Weft writes on every object a set with an `owner` applies.
 *
 * @remarks Flux's spellings ({@link fluxOwnershipLabels}) are read as aliases: an object Flux
 * applied for a Kustomization of the same name and namespace counts as that owner's.
 * @example
 * ```ts
 * import { ownershipLabels } from '@weft/drift';
 *
 * live!.metadata.labels?.[ownershipLabels.name]; // 'shop'
 * ```
 */
export const ownershipLabels = {
  name: 'weft.dev/name',
  namespace: 'weft.dev/namespace',
} as const;

/**
 * Flux's ownership labels (kustomize-controller's), honoured when reading an object's owner.
 *
 * @example
 * ```ts
 * import { fluxOwnershipLabels } from '@weft/drift';
 *
 * live!.metadata.labels?.[fluxOwnershipLabels.name]; // undefined: applied by Weft, not Flux
 * ```
 */
export const fluxOwnershipLabels = {
  name: 'kustomize.toolkit.fluxcd.io/name',
  namespace: 'kustomize.toolkit.fluxcd.io/namespace',
} as const;

/**
 * The owner an object's labels name: Weft's labels, else Flux's; undefined when it has neither.
 *
 * @remarks Both labels of one spelling must be present.
 * @example
 * ```ts
 * import { ownerOf } from '@weft/drift';
 *
 * ownerOf(live); // { name: 'shop', namespace: 'default' }
 * ```
 */
export function ownerOf(object: Pick<KubeObject, 'metadata'> | undefined): SetOwner | undefined {
  const labels = object?.metadata.labels ?? {};
  for (const keys of [ownershipLabels, fluxOwnershipLabels]) {
    const name = labels[keys.name];
    const namespace = labels[keys.namespace];
    if (name !== undefined && namespace !== undefined) return { name, namespace };
  }
  return undefined;
}

/**
 * `namespace/name` of an owner, as messages name it.
 *
 * @example
 * ```ts
 * import { describeOwner } from '@weft/drift';
 *
 * describeOwner({ name: 'shop', namespace: 'default' }); // 'default/shop'
 * ```
 */
export function describeOwner(owner: SetOwner): string {
  return `${owner.namespace}/${owner.name}`;
}

/** Whether two owners are the same. */
export function sameOwner(a: SetOwner, b: SetOwner): boolean {
  return a.name === b.name && a.namespace === b.namespace;
}

/** Whether a live object's labels name an owner other than `owner` (an object without labels names none). */
export function claimedByAnother(live: KubeObject | undefined, owner: SetOwner | undefined): SetOwner | undefined {
  if (!owner) return undefined;
  const labelled = ownerOf(live);
  return labelled && !sameOwner(labelled, owner) ? labelled : undefined;
}

const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * The objects with the ownership labels of `owner` added (copies; the input is left alone).
 *
 * @throws {@link InvalidSetError} when the owner's name or namespace is not a valid label value
 * (longer than 63 characters, or not alphanumeric at both ends).
 */
export function withOwnerLabels(objects: readonly KubeObject[], owner: SetOwner | undefined): KubeObject[] {
  if (!owner) return [...objects];
  for (const value of [owner.name, owner.namespace]) {
    if (value === '' || value.length > 63 || !labelValue.test(value)) throw new InvalidSetError(`owner ${describeOwner(owner)}: "${value}" is not a valid label value (at most 63 characters, alphanumeric at both ends)`);
  }
  return objects.map((object) => ({
    ...object,
    metadata: { ...object.metadata, labels: { ...object.metadata.labels, [ownershipLabels.name]: owner.name, [ownershipLabels.namespace]: owner.namespace } },
  }));
}
