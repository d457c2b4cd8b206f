import { type KubeClient, type KubeObject, type KubeTransport, type ObjectRef, inventoryId, objectKey, objectRef, resourceKind } from '@weft/reconcile-core';
import { objectHealth, ownershipLabels } from '@weft/drift';
import type { FieldManagerView, HealthView, ObjectView } from './view-model.js';
import { type KindSource, watchedSource } from './kind-source.js';

/** What the view keeps of an applied object: its summary, never its content (a Secret's data is dropped on arrival). */
interface SummarizedObject {
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly view: ObjectView;
}

/** How long a kind the apiserver does not serve (yet) is left alone before it is resolved again. */
const retryUnknownKindMs = 5_000;

/**
 * The objects the Kustomizations applied, from one watch per kind (cluster-wide, selected by
 * Weft's ownership label `weft.dev/name`), kept as summaries: health (kstatus, as `@weft/drift`'s
 * health checks judge it) and field managers.
 *
 * @remarks The kinds followed are those the inventories name; a kind no inventory names any more
 * stops being watched. Cluster-wide list and watch of those kinds is needed (the operator applies
 * them, so it has it unless its RBAC is namespaced: then objects show as `unknown`).
 */
export class AppliedObjects {
  private readonly sources = new Map<string, KindSource<SummarizedObject>>();
  private readonly resolving = new Set<string>();
  private readonly unknownUntil = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly client: KubeClient,
    private readonly transport: KubeTransport,
    private readonly onChange: () => void,
  ) {}

  /** Watches each kind of `refs` not watched yet; stops watching kinds none of them has. */
  follow(refs: Iterable<ObjectRef>): void {
    const wanted = new Map<string, ObjectRef>();
    for (const ref of refs) wanted.set(kindKey(ref), ref);
    for (const [key, source] of this.sources) {
      if (!wanted.has(key)) {
        source.close();
        this.sources.delete(key);
      }
    }
    for (const [key, ref] of wanted) {
      if (this.sources.has(key) || this.resolving.has(key) || (this.unknownUntil.get(key) ?? 0) > Date.now()) continue;
      this.resolving.add(key);
      void this.start(key, ref).finally(() => this.resolving.delete(key));
    }
  }

  /** The summary of the object `ref`, or `unknown` before its kind's first list (`missing` after it, when absent). */
  get(ref: ObjectRef): ObjectView {
    const source = this.sources.get(kindKey(ref));
    const found = source?.get(objectKey(ref));
    if (found) return found.view;
    return {
      id: inventoryId(ref),
      apiVersion: ref.group ? `${ref.group}/${ref.version}` : ref.version,
      kind: ref.kind,
      ...(ref.namespace ? { namespace: ref.namespace } : {}),
      name: ref.name,
      health: source ? 'missing' : 'unknown',
      reason: source ? 'not found in the cluster' : 'not watched yet',
      managers: [],
    };
  }

  close(): void {
    this.closed = true;
    for (const source of this.sources.values()) source.close();
    this.sources.clear();
  }

  private async start(key: string, ref: ObjectRef): Promise<void> {
    const apiVersion = ref.group ? `${ref.group}/${ref.version}` : ref.version;
    let resolved;
    try {
      resolved = await this.client.mapper.resolve({ apiVersion, kind: ref.kind });
    } catch {
      this.unknownUntil.set(key, Date.now() + retryUnknownKindMs);
      return;
    }
    if (this.closed || this.sources.has(key)) return;
    const kind = resourceKind<KubeObject>({ apiVersion: resolved.apiVersion, kind: resolved.kind, plural: resolved.plural, namespaced: resolved.namespaced });
    this.sources.set(key, watchedSource(kind, { transport: this.transport, labelSelector: ownershipLabels.name, transform: summarize, onChange: this.onChange }));
    this.onChange();
  }
}

function kindKey(ref: Pick<ObjectRef, 'group' | 'kind'>): string {
  return `${ref.group}/${ref.kind}`;
}

/** The summary of a live object; everything else (a Secret's data, a ConfigMap's content) is dropped here. */
export function summarize(object: KubeObject): SummarizedObject {
  const ref = objectRef(object);
  const health = objectHealth(object);
  const view: ObjectView = {
    id: inventoryId(ref),
    apiVersion: object.apiVersion,
    kind: object.kind,
    ...(ref.namespace ? { namespace: ref.namespace } : {}),
    name: ref.name,
    health: health.status satisfies HealthView,
    reason: health.reason,
    managers: fieldManagers(object),
  };
  return { metadata: { name: object.metadata.name, ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}) }, view };
}

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  time?: string;
  fieldsV1?: unknown;
}

/** The field managers of `managedFields`, with how many leaf fields each owns. */
export function fieldManagers(object: KubeObject): FieldManagerView[] {
  const entries = (object.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  return entries.map((entry) => ({
    manager: entry.manager ?? '(unnamed)',
    operation: entry.operation ?? 'Update',
    ...(entry.subresource ? { subresource: entry.subresource } : {}),
    ...(entry.time ? { time: entry.time } : {}),
    fields: countLeaves(entry.fieldsV1),
  }));
}

/** Leaves of a `fieldsV1` set: `{}` values (a `.` key marks a map or list item owned as a whole). */
function countLeaves(fields: unknown): number {
  if (fields === null || typeof fields !== 'object') return 0;
  let count = 0;
  for (const [key, value] of Object.entries(fields as Record<string, unknown>)) {
    if (key === '.') continue;
    const inner = countLeaves(value);
    count += inner === 0 ? 1 : inner;
  }
  return count;
}
