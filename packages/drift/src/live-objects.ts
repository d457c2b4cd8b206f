import { inventoryId, objectRef, type KubeClient, type KubeObject } from '@weft/reconcile-core';
import { settleConcurrently } from './bounded-concurrency.js';
import { isNamespaced, listLive } from './requests.js';

/** Groups at least this large are read with one list instead of a get per object. */
const listThreshold = 10;

/**
 * Reads the live objects of a set with one list per kind and namespace (for groups of ten objects
 * or more), instead of one get per object.
 *
 * @returns by inventory id: the live object, or `null` when it does not exist; objects of groups
 * that were not listed (small, or their kind is not served yet) are absent, so the caller gets them.
 */
export async function prefetchLiveObjects(client: KubeClient, objects: readonly KubeObject[], options: { concurrency: number; signal?: AbortSignal | undefined }): Promise<Map<string, KubeObject | null>> {
  const groups = new Map<string, KubeObject[]>();
  for (const object of objects) {
    const key = `${object.apiVersion}|${object.kind}|${object.metadata.namespace ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), object]);
  }
  const found = new Map<string, KubeObject | null>();
  const large = [...groups.values()].filter((members) => members.length >= listThreshold);
  await settleConcurrently(large, options.concurrency, async (members) => {
    const { apiVersion, kind } = members[0]!;
    const namespaced = await isNamespaced(client, apiVersion, kind, options.signal);
    const namespace = members[0]!.metadata.namespace;
    if (namespaced && !namespace) return;
    const items = await listLive(client, apiVersion, kind, namespaced ? namespace : undefined, { signal: options.signal });
    const byName = new Map(items.map((item) => [item.metadata.name, item]));
    for (const member of members) {
      const live = byName.get(member.metadata.name);
      found.set(inventoryId(objectRef(member)), live ?? null);
    }
  });
  return found;
}
