// Fair comparison of the engine's results with the apiserver's: server-written metadata and
// managedFields timestamps aside.
import type { JsonObject, ManagedFieldsEntry } from '@weft/merge';

const serverMetadata = ['resourceVersion', 'uid', 'generation', 'creationTimestamp', 'managedFields', 'selfLink'];

/** The object without server-written metadata, managedFields and status. */
export function comparableObject(object: JsonObject): JsonObject {
  const copy = JSON.parse(JSON.stringify(object)) as JsonObject;
  const metadata = (copy['metadata'] ?? {}) as JsonObject;
  for (const key of serverMetadata) delete metadata[key];
  delete copy['status'];
  return copy;
}

/** managedFields without timestamps, in a stable order. */
export function comparableManagedFields(entries: readonly ManagedFieldsEntry[] | undefined): unknown[] {
  return (entries ?? [])
    .map((entry) => ({
      manager: entry.manager,
      operation: entry.operation,
      apiVersion: entry.apiVersion,
      subresource: entry.subresource ?? '',
      fieldsV1: entry.fieldsV1,
    }))
    .sort((a, b) => JSON.stringify([a.operation, a.manager, a.apiVersion]).localeCompare(JSON.stringify([b.operation, b.manager, b.apiVersion])));
}

export function managedFieldsOf(object: JsonObject | undefined): ManagedFieldsEntry[] {
  const metadata = (object?.['metadata'] ?? {}) as JsonObject;
  return (metadata['managedFields'] as ManagedFieldsEntry[] | undefined) ?? [];
}

/** The object to PUT (dry-run) so the apiserver defaults the engine's result as it defaulted its own. */
export function forDefaulting(object: JsonObject, resourceVersion: unknown): JsonObject {
  const copy = JSON.parse(JSON.stringify(object)) as JsonObject;
  const metadata = (copy['metadata'] ?? {}) as JsonObject;
  delete metadata['managedFields'];
  metadata['resourceVersion'] = resourceVersion;
  return copy;
}
