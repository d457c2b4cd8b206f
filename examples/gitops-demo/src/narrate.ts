/**
 * The narrator: watches what the operator writes — GitRepository and Kustomization status, and the
 * Events it records (change sets, drift, pruning) — with reconcile-core's `watch()` stream, and
 * prints each change on the timeline as it happens. It only reads; the checks are in `steps.ts`.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { EventKind, getCondition, type KubeEvent, watch, type WatchEvent } from '@weft/reconcile-core';
import { type GitRepository, GitRepositoryKind } from '@weft/git-source';
import { type Kustomization, KustomizationKind } from '@weft/example-gitops-operator';
import { Subscription } from 'rxjs';
import { shortRevision, type Timeline } from './timeline.js';

/** The Event reasons worth a line: what changed in the cluster and in git. */
const NARRATED_REASONS = new Set(['Progressing', 'DriftDetected', 'DriftReverted', 'NewArtifact']);

/** Starts narrating the objects in `namespace`; unsubscribe to stop. */
export function narrate(kubeConfig: KubeConfig, namespace: string, timeline: Timeline): Subscription {
  const lastReady = new Map<string, string>();
  const seenEvents = new Set<string>();

  const onObject = (kind: string, object: GitRepository | Kustomization) => {
    const subject = `${kind}/${object.metadata.name}`;
    const ready = getCondition(object.status?.conditions, 'Ready');
    // Ready=Unknown is the "working on it" in between; the outcome is what a reader wants.
    if (ready === undefined || ready.status === 'Unknown') return;
    const fingerprint = `${ready.status}|${ready.reason}|${ready.message}`;
    if (lastReady.get(subject) === fingerprint) return;
    lastReady.set(subject, fingerprint);
    timeline.observed(`${subject}  Ready=${ready.status} ${ready.reason}`, shortRevision(ready.message).split('\n'));
  };

  const onEvent = (event: KubeEvent) => {
    const name = event.metadata.name ?? '';
    if (seenEvents.has(name) || !NARRATED_REASONS.has(event.reason ?? '')) return;
    seenEvents.add(name);
    const subject = `${event.regarding.kind}/${event.regarding.name}`;
    const lines = shortRevision(event.note ?? '').split('\n').filter((line) => line !== '');
    const title = event.reason === 'Progressing' ? 'applied' : event.reason;
    const [first, ...rest] = lines;
    if (lines.length === 1 && event.reason !== 'Progressing') timeline.observed(`${subject}  ${title}: ${first}`);
    else timeline.observed(`${subject}  ${title}:`, first === 'pruned:' ? rest.map((line) => `${line} (pruned)`) : lines);
  };

  const applied = <T>(handle: (object: T) => void) => (event: WatchEvent<T>) => {
    if (event.type === 'InitApply' || event.type === 'Apply') handle(event.object);
  };
  const subscription = new Subscription();
  subscription.add(watch(GitRepositoryKind, { transport: kubeConfig, namespace }).subscribe(applied((object) => onObject('GitRepository', object))));
  subscription.add(watch(KustomizationKind, { transport: kubeConfig, namespace }).subscribe(applied((object) => onObject('Kustomization', object))));
  subscription.add(watch(EventKind, { transport: kubeConfig, namespace }).subscribe(applied(onEvent)));
  return subscription;
}
