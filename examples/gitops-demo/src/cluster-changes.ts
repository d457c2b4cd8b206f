/**
 * What changed in the cluster, object by object, as a change set reads (`Deployment/production/web
 * configured`), with the field manager that made the change and the fields it changed. Watches the
 * app's objects (by their `app.kubernetes.io/part-of` label) with reconcile-core's `watch()`.
 *
 * The operator's own change sets travel as Events too, but a Kubernetes event recorder folds
 * repeats of one reason into a series that keeps the first note, so after the first sync they no
 * longer say what a reconcile changed; the objects themselves always do.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { comparableCopy, fieldChanges, type FieldChange } from '@weft/drift';
import {
  ConfigMapKind,
  DeploymentKind,
  describeObject,
  type KubeObject,
  NamespaceKind,
  objectRef,
  resourceKind,
  type ResourceKind,
  ServiceKind,
  watch,
} from '@weft/reconcile-core';
import { Subscription } from 'rxjs';
import type { Timeline } from './timeline.js';

const IngressKind = resourceKind<KubeObject>({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', plural: 'ingresses', namespaced: true });

/** The kinds the sample app is made of. */
const APP_KINDS: readonly ResourceKind<any>[] = [NamespaceKind, ConfigMapKind, ServiceKind, DeploymentKind, IngressKind];

/** Starts printing every change to objects labelled `labelSelector`; unsubscribe to stop. */
export function narrateClusterChanges(kubeConfig: KubeConfig, labelSelector: string, timeline: Timeline): Subscription {
  const subscription = new Subscription();
  for (const kind of APP_KINDS) {
    const known = new Map<string, KubeObject>();
    let listed = false;
    subscription.add(
      watch(kind, { transport: kubeConfig, labelSelector }).subscribe((event) => {
        if (event.type === 'InitDone') listed = true;
        if (event.type !== 'InitApply' && event.type !== 'Apply' && event.type !== 'Delete') return;
        const object = event.object as KubeObject;
        const subject = describeObject(objectRef(object));
        const before = known.get(subject);
        if (event.type === 'Delete') known.delete(subject);
        else known.set(subject, object);
        // The objects there before the demo looked are its starting point, not a change.
        if (!listed) return;
        if (event.type === 'Delete') return timeline.observed(`cluster: ${subject} deleted`);
        if (before === undefined) return timeline.observed(`cluster: ${subject} created by ${lastManager(object, [])}`);
        const changes = fieldChanges(comparableCopy(before), comparableCopy(object));
        // Status and server-written metadata are not what anyone applied.
        if (changes.length === 0) return;
        timeline.observed(`cluster: ${subject} configured by ${lastManager(object, changes)}: ${describeChanges(changes)}`);
      }),
    );
  }
  return subscription;
}

function describeChanges(changes: readonly FieldChange[]): string {
  const shown = changes.slice(0, 3).map((change) => {
    if (change.op === 'add') return `${change.path} = ${brief(change.desired)}`;
    if (change.op === 'remove') return `${change.path} removed`;
    return `${change.path} ${brief(change.live)} → ${brief(change.desired)}`;
  });
  return changes.length > 3 ? `${shown.join(', ')} and ${changes.length - 3} more` : shown.join(', ');
}

function brief(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  time?: string | Date;
  fieldsV1?: Record<string, unknown>;
}

/**
 * The field manager that most likely made this change: among the managers that own the first
 * changed field, the one that wrote last (`managedFields` times have one-second resolution, so
 * ownership breaks the ties between an edit and its revert).
 */
function lastManager(object: KubeObject, changes: readonly FieldChange[]): string {
  const entries = ((object.metadata as { managedFields?: ManagedFieldsEntry[] }).managedFields ?? []).filter((entry) => entry.manager);
  const first = changes[0];
  const owners = first ? entries.filter((entry) => owns(entry.fieldsV1, first.path)) : [];
  const candidates = owners.length > 0 ? owners : entries;
  const latest = [...candidates].sort((a, b) => timeOf(a) - timeOf(b)).at(-1);
  return latest?.manager ?? 'an unknown manager';
}

function timeOf(entry: ManagedFieldsEntry): number {
  return entry.time === undefined ? 0 : new Date(entry.time).getTime();
}

/** Whether a `fieldsV1` set holds the field at `pointer` (list items are matched by any key at their level). */
function owns(fields: Record<string, unknown> | undefined, pointer: string): boolean {
  let level: unknown = fields;
  for (const token of pointer.split('/').slice(1)) {
    if (typeof level !== 'object' || level === null) return false;
    const keys = level as Record<string, unknown>;
    if (/^\d+$/.test(token)) {
      // fieldsV1 names list items by key (`k:{"name":"web"}`), not by index: follow the first item.
      const item = Object.keys(keys).find((key) => key.startsWith('k:') || key.startsWith('i:') || key.startsWith('v:'));
      if (item === undefined) return Object.keys(keys).length > 0;
      level = keys[item];
      continue;
    }
    const key = `f:${token.replace(/~1/g, '/').replace(/~0/g, '~')}`;
    if (!(key in keys)) return false;
    level = keys[key];
  }
  return true;
}
