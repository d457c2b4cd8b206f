import { EventKind, type KubeEvent, type KubeObject, type KubeTransport } from '@weft/reconcile-core';
import { timelineKinds } from './kinds.js';
import { type KindSource, watchedSource } from './kind-source.js';
import type { StatusTransitions } from './transitions.js';
import type { TimelineCategory, TimelineEntry } from './view-model.js';

/** What the view keeps of an Event of a Weft resource. */
interface TimelineEvent {
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly resourceVersion?: string };
  readonly entry: TimelineEntry | undefined;
}

/**
 * The events timeline: one watch of `events.k8s.io/v1` Events, those about Weft's resources
 * (GitRepository, Kustomization, Canary, the image kinds) kept and sorted into categories.
 *
 * @remarks The categories follow the reasons the reconcilers record: `NewArtifact` is a new
 * revision; a Kustomization's `Progressing` is what it applied (or pruned), `ReconciliationSucceeded`
 * its end; `DriftDetected` / `DriftReverted`; an ImageUpdateAutomation's `Succeeded` is a commit;
 * every Canary event is a step of its release; any other Warning is a failure. Events live as
 * long as the apiserver keeps them (an hour by default), so the timeline starts that far back.
 */
export class Timeline {
  private readonly source: KindSource<TimelineEvent>;

  constructor(transport: KubeTransport, options: { namespace?: string | undefined; onChange: () => void }) {
    this.source = watchedSource(EventKind, { transport, namespace: options.namespace, transform: toTimelineEvent, onChange: options.onChange });
  }

  /** The newest `limit` entries, oldest first. */
  entries(limit: number): TimelineEntry[] {
    const entries: TimelineEntry[] = [];
    for (const event of this.source.list()) if (event.entry) entries.push(event.entry);
    entries.sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : 1));
    return entries.slice(-limit);
  }

  close(): void {
    this.source.close();
  }
}

/**
 * Whether an Event makes a timeline entry of its own. What the statuses show (revisions, applies,
 * prunes, failures of GitRepositories and Kustomizations, a Canary's steps) comes from
 * {@link StatusTransitions} instead: an Event series keeps only its first note.
 */
function shownAsEvent(kind: string, reason: string, type: string): boolean {
  if (kind === 'GitRepository' || kind === 'Kustomization') return reason === 'DriftDetected' || reason === 'DriftReverted' || reason === 'OwnershipConflict';
  if (kind === 'Canary') return type === 'Warning';
  return true;
}

function toTimelineEvent(object: KubeObject): TimelineEvent {
  const event = object as KubeEvent & { deprecatedLastTimestamp?: string; deprecatedCount?: number };
  const metadata = { name: object.metadata.name, ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}) };
  const regarding = event.regarding;
  if (!regarding || !timelineKinds.has(regarding.kind) || !shownAsEvent(regarding.kind, event.reason, event.type)) return { metadata, entry: undefined };
  const time = Date.parse(event.series?.lastObservedTime ?? event.deprecatedLastTimestamp ?? event.eventTime ?? object.metadata.creationTimestamp ?? '') || 0;
  const type = event.type === 'Warning' ? 'Warning' : 'Normal';
  const message = event.note ?? '';
  return {
    metadata,
    entry: {
      id: `${metadata.namespace ?? ''}/${metadata.name}`,
      time,
      category: categoryOf(regarding.kind, event.reason, type, message),
      type,
      reason: event.reason,
      message,
      object: `${regarding.kind}/${regarding.namespace ?? ''}/${regarding.name}`,
      count: event.series?.count ?? event.deprecatedCount ?? 1,
    },
  };
}

/**
 * The timeline category of an Event: drift detected or reverted, a canary step, a failure (any
 * other Warning), a new revision, an image update commit, what a Kustomization applied or pruned.
 *
 * @example
 * ```ts
 * import { categoryOf } from '@weft/web-view';
 *
 * categoryOf('Kustomization', 'DriftDetected', 'Warning', 'Deployment/prod/web edited'); // 'drift-detected'
 * ```
 */
export function categoryOf(kind: string, reason: string, type: 'Normal' | 'Warning', message: string): TimelineCategory {
  if (reason === 'DriftDetected') return 'drift-detected';
  if (reason === 'DriftReverted') return 'drift-reverted';
  if (kind === 'Canary') return 'canary-step';
  if (type === 'Warning') return 'failed';
  if (kind === 'GitRepository' && reason === 'NewArtifact') return 'revision';
  if (kind === 'ImageUpdateAutomation' && reason === 'Succeeded') return 'image-update';
  if (kind === 'Kustomization' && reason === 'Progressing') return message.startsWith('pruned:') ? 'pruned' : 'applied';
  if (kind === 'Kustomization' && reason === 'ReconciliationSucceeded') return 'applied';
  return 'other';
}
