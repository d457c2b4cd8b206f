/**
 * The narrator: prints on the timeline what the operator does, as it happens — the Ready condition
 * of the GitRepository and each Kustomization (watched with reconcile-core's `watch()` stream) and
 * every drift event (handed over in process by the operator's `onDrift`). It only reads; the
 * checks are in `steps.ts`, the changes to the app's objects in `cluster-changes.ts`.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { DriftEvent } from '@weft/drift';
import { type Kustomization, KustomizationKind } from '@weft/delivery';
import { type GitRepository, GitRepositoryKind } from '@weft/git-source';
import { getCondition, watch, type WatchEvent } from '@weft/reconcile-core';
import { Subscription } from 'rxjs';
import { shortRevision, type Timeline } from './timeline.js';

/** Starts printing the Ready condition of every GitRepository and Kustomization in `namespace`; unsubscribe to stop. */
export function narrateConditions(kubeConfig: KubeConfig, namespace: string, timeline: Timeline): Subscription {
  const lastReady = new Map<string, string>();
  const onObject = (subject: string, object: GitRepository | Kustomization) => {
    const ready = getCondition(object.status?.conditions, 'Ready');
    // Ready=Unknown is the "working on it" in between; the outcome is what a reader wants.
    if (ready === undefined || ready.status === 'Unknown') return;
    const fingerprint = `${ready.status}|${ready.reason}|${ready.message}`;
    if (lastReady.get(subject) === fingerprint) return;
    lastReady.set(subject, fingerprint);
    timeline.observed(`${subject}  Ready=${ready.status} ${ready.reason}`, shortRevision(ready.message).split('\n'));
  };
  const applied =
    <T extends GitRepository | Kustomization>(kind: string) =>
    (event: WatchEvent<T>) => {
      if (event.type === 'InitApply' || event.type === 'Apply') onObject(`${kind}/${event.object.metadata.name}`, event.object);
    };
  const subscription = new Subscription();
  subscription.add(watch(GitRepositoryKind, { transport: kubeConfig, namespace }).subscribe(applied<GitRepository>('GitRepository')));
  subscription.add(watch(KustomizationKind, { transport: kubeConfig, namespace }).subscribe(applied<Kustomization>('Kustomization')));
  return subscription;
}

/** An `onDrift` handler for the operator that prints each drift event of a Kustomization (`namespace/name`). */
export function narrateDrift(timeline: Timeline): (kustomization: string, event: DriftEvent) => void {
  return (kustomization, event) => {
    const subject = `Kustomization/${kustomization.split('/').at(-1)}`;
    if (event.type === 'drifted') {
      const what = event.diff.status === 'missing' ? 'deleted' : event.diff.changes.map((change) => change.path).join(', ');
      const by = event.editedBy.length > 0 ? ` by ${event.editedBy.join(', ')}` : '';
      timeline.observed(`${subject}  drift detected: ${event.subject} edited${by}: ${what}`);
    } else if (event.type === 'reverted') {
      timeline.observed(`${subject}  drift reverted: ${event.subject} ${event.change.action}`);
    } else if (event.type === 'error') {
      timeline.observed(`${subject}  drift check failed${event.subject ? ` for ${event.subject}` : ''}: ${event.error.message}`);
    }
  };
}
