import type { Condition, KubeObject, ResourceKind } from '@weft/reconcile-core';

/** A reference to one object of a known kind: its name, and its namespace when the kind is namespaced. */
export interface ObjectName {
  /** The namespace (required for namespaced kinds). */
  readonly namespace?: string | undefined;
  /** The object's name. */
  readonly name: string;
}

/**
 * A kind as the operations take it: a reconcile-core `ResourceKind`, with the JSON Schema of a
 * `defineResource` definition when there is one (it tells which operations the kind supports).
 */
export type OperableKind = ResourceKind & { readonly schema?: unknown };

/**
 * The status condition that says whether an object is ready: `Ready` for the GitOps kinds
 * (kstatus), `Promoted` for a Flagger-shaped `Canary`.
 *
 * @example
 * ```ts
 * import { readyCondition } from '@weft/delivery';
 *
 * readyCondition(kustomization)?.message; // 'Applied revision: main@sha1:…'
 * ```
 */
export function readyCondition(object: KubeObject): Condition | undefined {
  const conditions = (object['status'] as { conditions?: Condition[] } | undefined)?.conditions ?? [];
  return conditions.find((condition) => condition.type === 'Ready') ?? conditions.find((condition) => condition.type === 'Promoted');
}

/**
 * The revision an object last acted on, as `flux get` shows it: a Kustomization's
 * `lastAppliedRevision`, a source's artifact revision, an image policy's latest image (`latestRef`
 * or `latestImage`); undefined when the kind has none.
 *
 * @example
 * ```ts
 * import { revisionOf } from '@weft/delivery';
 *
 * revisionOf(gitRepository); // 'main@sha1:3f1c…'
 * ```
 */
export function revisionOf(object: KubeObject): string | undefined {
  const status = (object['status'] ?? {}) as Record<string, unknown>;
  if (typeof status['lastAppliedRevision'] === 'string') return status['lastAppliedRevision'];
  const artifact = status['artifact'] as { revision?: unknown } | undefined;
  if (typeof artifact?.revision === 'string') return artifact.revision;
  const latestRef = status['latestRef'] as { name?: unknown; tag?: unknown; digest?: unknown } | undefined;
  if (typeof latestRef?.name === 'string') return `${latestRef.name}${typeof latestRef.tag === 'string' ? `:${latestRef.tag}` : ''}${typeof latestRef.digest === 'string' ? `@${latestRef.digest}` : ''}`;
  if (typeof status['latestImage'] === 'string') return status['latestImage'];
  return undefined;
}

/** Whether a kind's schema declares a field at `path` (`['spec', 'suspend']`); true when the kind has no schema to tell. */
export function declaresField(kind: OperableKind, path: readonly string[]): boolean {
  let schema = kind.schema as { properties?: Record<string, unknown> } | undefined;
  if (schema === undefined) return true;
  for (const key of path) {
    const next = schema?.properties?.[key] as { properties?: Record<string, unknown> } | undefined;
    if (next === undefined) return false;
    schema = next;
  }
  return true;
}

/** Whether an object's `spec.suspend` is true. */
export function isSuspended(object: KubeObject): boolean {
  return (object['spec'] as { suspend?: unknown } | undefined)?.suspend === true;
}
