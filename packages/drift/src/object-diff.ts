import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import type { KubeObject } from '@weft/reconcile-core';
import { formatJsonPointer, isRecord } from './json-pointer.js';

/** One field that differs between the live object and what git wants. */
export interface FieldChange {
  /** JSON pointer of the field (`/spec/replicas`). */
  readonly path: string;
  readonly op: 'add' | 'remove' | 'replace';
  /** The live value (absent for `add`); Secret values are masked. */
  readonly live?: unknown;
  /** The desired value (absent for `remove`); Secret values are masked. */
  readonly desired?: unknown;
}

/** Metadata the apiserver writes on every change: never drift. */
const serverWrittenMetadata = ['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp', 'selfLink'];

/**
 * A copy of an object with what the apiserver writes by itself removed: `status` and the
 * server-written metadata (`managedFields`, `resourceVersion`, `generation`, `uid`, `creationTimestamp`).
 *
 * @remarks A shallow copy (top level and `metadata`): nested values are shared with `object`, so
 * clone it deeply before changing anything below them. Comparing a thousand objects stays cheap.
 * @example
 * ```ts
 * import { comparableCopy } from '@weft/drift';
 *
 * comparableCopy(live!).metadata.resourceVersion; // undefined: server-written fields are gone
 * ```
 */
export function comparableCopy(object: KubeObject): KubeObject {
  const { status: _status, ...rest } = object;
  const metadata: Record<string, unknown> = { ...object.metadata };
  for (const key of serverWrittenMetadata) delete metadata[key];
  return { ...rest, metadata } as unknown as KubeObject;
}

/**
 * The fields that differ between two JSON values, as JSON pointers; lists are compared item by item.
 *
 * @remarks Lists of different lengths are one `replace` of the whole list. Keys are visited sorted.
 * @example
 * ```ts
 * import { fieldChanges } from '@weft/drift';
 *
 * fieldChanges({ spec: { replicas: 5 } }, { spec: { replicas: 2 } }); // [{ path: '/spec/replicas', op: 'replace', live: 5, desired: 2 }]
 * ```
 */
export function fieldChanges(live: unknown, desired: unknown, path: (string | number)[] = []): FieldChange[] {
  if (isRecord(live) && isRecord(desired)) {
    const changes: FieldChange[] = [];
    const keys = new Set([...Object.keys(live), ...Object.keys(desired)]);
    for (const key of [...keys].sort()) {
      if (!(key in desired)) changes.push({ path: formatJsonPointer([...path, key]), op: 'remove', live: live[key] });
      else if (!(key in live)) changes.push({ path: formatJsonPointer([...path, key]), op: 'add', desired: desired[key] });
      else changes.push(...fieldChanges(live[key], desired[key], [...path, key]));
    }
    return changes;
  }
  if (Array.isArray(live) && Array.isArray(desired) && live.length === desired.length) {
    return live.flatMap((item, index) => fieldChanges(item, desired[index], [...path, index]));
  }
  return deepEqual(live, desired) ? [] : [{ path: formatJsonPointer(path), op: 'replace', live, desired }];
}

/** Structural equality of JSON values (key order does not matter; internal). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && deepEqual(a[key], b[key]));
  }
  return false;
}

const mask = '*****';
const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Copies of a live and a desired object with Secret values replaced, so diffs never print them.
 *
 * @remarks
 * For `v1` Secrets, every value of `data` and `stringData` (and the `last-applied-configuration`
 * annotation, which holds them too) becomes `*****`; a value that differs between the two sides
 * becomes `***** (live)` and `***** (desired)`, so the diff still shows which keys changed, never
 * their values (Argo CD and Flux mask the same way). Other kinds are returned as they are.
 * The inputs are never changed.
 * @example
 * ```ts
 * import { maskSecrets } from '@weft/drift';
 *
 * const [maskedLive, maskedDesired] = maskSecrets(liveSecret, desiredSecret);
 * ```
 */
export function maskSecrets<T extends KubeObject | undefined>(live: T, desired: T): [T, T] {
  const subject = live ?? desired;
  if (!subject || subject.kind !== 'Secret' || subject.apiVersion !== 'v1') return [live, desired];
  const maskedLive = live ? structuredClone(live) : live;
  const maskedDesired = desired ? structuredClone(desired) : desired;
  for (const field of ['data', 'stringData']) {
    const before = isRecord(maskedLive?.[field]) ? (maskedLive![field] as Record<string, unknown>) : undefined;
    const after = isRecord(maskedDesired?.[field]) ? (maskedDesired![field] as Record<string, unknown>) : undefined;
    const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
    for (const key of keys) {
      const same = before && after && key in before && key in after && before[key] === after[key];
      if (before && key in before) before[key] = same ? mask : `${mask} (live)`;
      if (after && key in after) after[key] = same ? mask : `${mask} (desired)`;
    }
  }
  for (const object of [maskedLive, maskedDesired]) {
    const annotations = object?.metadata.annotations;
    if (annotations && lastApplied in annotations) annotations[lastApplied] = mask;
  }
  return [maskedLive, maskedDesired];
}

/**
 * A unified diff (as `diff -u`) of two objects rendered as YAML, labelled with the object's name.
 *
 * @remarks Pass objects through {@link maskSecrets} first; this function prints what it is given.
 * Map keys are sorted, so the diff does not depend on key order.
 * @example
 * ```ts
 * import { unifiedDiff } from '@weft/drift';
 *
 * console.log(unifiedDiff('Secret/shop/token', maskedLive, maskedDesired));
 * ```
 */
export function unifiedDiff(subject: string, live: KubeObject | undefined, desired: KubeObject | undefined): string {
  const render = (object: KubeObject | undefined): string => (object ? stringify(object, { sortMapEntries: true }) : '');
  return createTwoFilesPatch(`live/${subject}`, `desired/${subject}`, render(live), render(desired), undefined, undefined, { context: 3 });
}
