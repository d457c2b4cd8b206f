import { objectRef, KubeApiError, type KubeClient, type KubeObject } from '@weft/reconcile-core';
import { getLive, jsonPatchLive } from './requests.js';
import { isRecord } from './json-pointer.js';
import { managedFieldsOf, unionFieldSets, type ManagedFieldsEntry } from './managed-fields.js';

/**
 * The field managers whose fields apply takes back, as Flux does: what `kubectl edit`,
 * `kubectl apply` (client-side) and the client-side-to-server-side upgrade leave behind.
 *
 * @remarks Flux names the first three; Weft adds the other `kubectl` verbs that write through
 * Update (`kubectl patch`, `scale`, `label`, `annotate`, `set`). Pass your own list as
 * `takeOwnershipFrom` to change it.
 * @example
 * ```ts
 * import { applySet, kubectlManagers } from '@weft/drift';
 *
 * await applySet(client, objects, { takeOwnershipFrom: [...kubectlManagers, 'my-old-script'] });
 * ```
 */
export const kubectlManagers: readonly string[] = ['kubectl-edit', 'kubectl-client-side-apply', 'before-first-apply', 'kubectl-patch', 'kubectl-scale', 'kubectl-label', 'kubectl-annotate', 'kubectl-set'];

/** Whether the live object holds fields owned (through Update) by one of `managers`. */
export function hasClaimedFields(live: KubeObject, managers: readonly string[]): boolean {
  return managedFieldsOf(live).some((entry) => entry.operation === 'Update' && !entry.subresource && entry.manager !== undefined && managers.includes(entry.manager));
}

/**
 * Moves the fields `managers` own in the live object to `fieldManager`'s Apply entry, so the next
 * server-side apply resets or removes them (drift cannot hide in another manager).
 *
 * @remarks One JSON patch of `metadata.managedFields`, guarded by the live `resourceVersion`
 * (a concurrent write makes the test fail: the object is read again and the patch retried, up to five times). Status
 * subresource entries are left alone.
 * @returns the patched object, or the live object when there was nothing to take.
 * @throws a `KubeApiError` when the patch keeps failing or is rejected.
 * @example
 * ```ts
 * import { takeClaimedFields } from '@weft/drift';
 *
 * await takeClaimedFields(client, live!, { fieldManager: 'weft' });
 * ```
 */
export async function takeClaimedFields(client: KubeClient, live: KubeObject, options: { fieldManager: string; managers?: readonly string[]; signal?: AbortSignal | undefined }): Promise<KubeObject> {
  // A controller writing status between the read and the patch fails the resourceVersion test: read again.
  for (let attempt = 0; ; attempt++) {
    try {
      return await patchClaimedFields(client, live, options);
    } catch (error) {
      if (!(error instanceof KubeApiError && (error.code === 409 || error.code === 422)) || attempt >= 4) throw error;
      const fresh = await getLive(client, objectRef(live), { signal: options.signal });
      if (!fresh) return live;
      live = fresh;
    }
  }
}

async function patchClaimedFields(client: KubeClient, live: KubeObject, options: { fieldManager: string; managers?: readonly string[]; signal?: AbortSignal | undefined }): Promise<KubeObject> {
  const managers = options.managers ?? kubectlManagers;
  const entries = managedFieldsOf(live);
  const claimed = (entry: ManagedFieldsEntry): boolean => entry.operation === 'Update' && !entry.subresource && entry.manager !== undefined && managers.includes(entry.manager);
  if (!entries.some(claimed)) return live;
  let taken: Record<string, unknown> = {};
  for (const entry of entries.filter(claimed)) if (isRecord(entry.fieldsV1)) taken = unionFieldSets(taken, entry.fieldsV1);
  const kept = entries.filter((entry) => !claimed(entry));
  const own = kept.findIndex((entry) => entry.manager === options.fieldManager && entry.operation === 'Apply' && !entry.subresource);
  if (own >= 0) {
    const entry = kept[own]!;
    kept[own] = { ...entry, fieldsV1: unionFieldSets(isRecord(entry.fieldsV1) ? entry.fieldsV1 : {}, taken) };
  } else {
    kept.push({ manager: options.fieldManager, operation: 'Apply', apiVersion: live.apiVersion, time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), fieldsType: 'FieldsV1', fieldsV1: taken });
  }
  return jsonPatchLive(client, 
    objectRef(live),
    [
      { op: 'test', path: '/metadata/resourceVersion', value: live.metadata.resourceVersion },
      { op: 'replace', path: '/metadata/managedFields', value: kept },
    ],
    { signal: options.signal },
  );
}
