import { type KubeClient, type KubeObject, type ObjectRef, describeObject, isNotFoundError, isUnknownKindError, objectRef } from '@weft/reconcile-core';
import { type Health, inventoryEntryRef, objectHealth } from '@weft/drift';
import { type Kustomization, KustomizationKind } from '../kustomization/kustomization.js';
import type { ObjectName } from './object-status.js';

/** One object of a Kustomization's inventory, with its health; a nested Kustomization has its own inventory as children. */
export interface InventoryTreeNode {
  /** The object. */
  readonly ref: ObjectRef;
  /** `Kind/namespace/name`. */
  readonly subject: string;
  /** Its health now (kstatus rules; `missing` when it is gone). */
  readonly health: Health;
  /** A nested Kustomization's inventory (empty for other objects, and for a Kustomization seen higher up the tree). */
  readonly children: readonly InventoryTreeNode[];
}

/** Options of {@link inventoryTree}. */
export interface InventoryTreeOptions {
  /** Reads in flight at once. Default 16. */
  readonly concurrency?: number;
  /** Aborts the reads. */
  readonly signal?: AbortSignal;
}

/**
 * A Kustomization's inventory as a tree, as `flux tree kustomization` prints it, with each
 * object's health read now; nested Kustomizations (those it applied) are expanded in turn.
 *
 * @remarks
 * Guarantees: the inventory is the one in `status.inventory` (what the last successful apply
 * left); every object is read once, `concurrency` at a time; an object that is gone is `missing`,
 * one whose kind the apiserver no longer serves is `missing` too, saying so; a Kustomization that
 * appears twice (a cycle) is expanded once.
 * @throws reconcile-core's `NotFoundError` when the root Kustomization does not exist; other `KubeApiError`s.
 * @example
 * ```ts
 * import { inventoryTree } from '@weft/delivery';
 *
 * const root = await inventoryTree(client, { namespace: 'apps', name: 'shop' });
 * for (const child of root.children) console.log(child.subject, child.health.status);
 * ```
 */
export async function inventoryTree(client: KubeClient, ref: ObjectName, options: InventoryTreeOptions = {}): Promise<InventoryTreeNode> {
  const root = await client.get(KustomizationKind, ref.name, { namespace: ref.namespace, signal: options.signal });
  const seen = new Set<string>();
  return expand(client, root, seen, options);
}

async function expand(client: KubeClient, kustomization: Kustomization, seen: Set<string>, options: InventoryTreeOptions): Promise<InventoryTreeNode> {
  const ref = objectRef(kustomization);
  const subject = describeObject(ref);
  const node = { ref, subject, health: objectHealth(kustomization) };
  if (seen.has(subject)) return { ...node, children: [] };
  seen.add(subject);
  const refs = (kustomization.status?.inventory?.entries ?? []).map((entry) => inventoryEntryRef(entry));
  const objects = await readAll(client, refs, options);
  const children: InventoryTreeNode[] = [];
  for (const [index, child] of refs.entries()) {
    const read = objects[index]!;
    if (read.object && isKustomization(read.object)) children.push(await expand(client, read.object as Kustomization, seen, options));
    else children.push({ ref: child, subject: describeObject(child), health: read.health ?? objectHealth(read.object), children: [] });
  }
  return { ...node, children };
}

function isKustomization(object: KubeObject): boolean {
  return object.apiVersion === KustomizationKind.apiVersion && object.kind === KustomizationKind.kind;
}

/** Reads objects, `concurrency` at a time; a missing object (or kind) is a value, not an error. */
async function readAll(client: KubeClient, refs: readonly ObjectRef[], options: InventoryTreeOptions): Promise<{ object?: KubeObject; health?: Health }[]> {
  const results: { object?: KubeObject; health?: Health }[] = new Array(refs.length);
  let next = 0;
  const worker = async () => {
    while (next < refs.length) {
      const index = next++;
      const ref = refs[index]!;
      try {
        const object = await client.get({ apiVersion: ref.group ? `${ref.group}/${ref.version}` : ref.version, kind: ref.kind }, ref.name, { namespace: ref.namespace, signal: options.signal });
        results[index] = { object };
      } catch (error) {
        if (isNotFoundError(error)) results[index] = {};
        else if (isUnknownKindError(error)) results[index] = { health: { status: 'missing', reason: `the apiserver does not serve ${ref.kind} (${ref.group || 'core'}/${ref.version})` } };
        else throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 16, refs.length) }, worker));
  return results;
}
