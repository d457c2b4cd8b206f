import type { CanaryView, KustomizationView, SourceView, TimelineEntry } from './view-model.js';

/** Entries kept: the page shows the newest few hundred of Events and transitions together. */
const kept = 1000;

/**
 * Timeline entries for what the view sees change in the statuses it caches: a GitRepository's
 * new revision, a Kustomization's applied revision, what left its inventory (pruned), its Ready
 * turning False (failed) or True again, and each step of a Canary (phase, weight).
 *
 * @remarks Why not only Events: `events.k8s.io` Events are aggregated into a series by object,
 * reason and action (as client-go's recorder does), keeping the first occurrence's note — a
 * Kustomization's second `Progressing` (what it pruned) or a Canary's next `Synced` step shows
 * only as a count. The statuses say what happened each time. The first observation of an object
 * records nothing: a transition needs a state before it.
 */
export class StatusTransitions {
  private readonly sources = new Map<string, SourceView>();
  private readonly kustomizations = new Map<string, KustomizationView>();
  private readonly canaries = new Map<string, CanaryView>();
  private readonly entries: TimelineEntry[] = [];
  private sequence = 0;

  /** Compares the collections with the previous call's and records what moved. */
  observe(collections: { sources: readonly SourceView[]; kustomizations: readonly KustomizationView[]; canaries: readonly CanaryView[] }, now: number): void {
    for (const source of collections.sources) {
      const before = this.sources.get(source.id);
      this.sources.set(source.id, source);
      if (before && source.revision && before.revision !== source.revision) this.add(now, 'revision', 'Normal', 'NewRevision', source.id, `new revision ${source.revision}`);
      if (before) this.readyChange(now, source.id, before, source);
    }
    for (const kustomization of collections.kustomizations) {
      const before = this.kustomizations.get(kustomization.id);
      this.kustomizations.set(kustomization.id, kustomization);
      if (!before) continue;
      if (kustomization.lastAppliedRevision && before.lastAppliedRevision !== kustomization.lastAppliedRevision) {
        this.add(now, 'applied', 'Normal', 'Applied', kustomization.id, `applied revision ${kustomization.lastAppliedRevision} (${kustomization.inventory.length} objects)`);
      }
      const kept = new Set(kustomization.inventory);
      const gone = before.inventory.filter((id) => !kept.has(id));
      if (gone.length > 0 && kustomization.prune) this.add(now, 'pruned', 'Normal', 'Pruned', kustomization.id, `pruned:\n${gone.map(describeInventoryId).join('\n')}`);
      this.readyChange(now, kustomization.id, before, kustomization);
    }
    for (const canary of collections.canaries) {
      const before = this.canaries.get(canary.id);
      this.canaries.set(canary.id, canary);
      if (before && (before.phase !== canary.phase || before.weight !== canary.weight || before.failedChecks !== canary.failedChecks)) {
        this.add(now, 'canary-step', canary.phase === 'Failed' ? 'Warning' : 'Normal', canary.phase, canary.id, `${canary.phase}: canary weight ${canary.weight}%, ${canary.failedChecks} failed checks`);
      }
    }
    this.forgetMissing(this.sources, collections.sources);
    this.forgetMissing(this.kustomizations, collections.kustomizations);
    this.forgetMissing(this.canaries, collections.canaries);
  }

  /** The entries recorded, oldest first. */
  list(): readonly TimelineEntry[] {
    return this.entries;
  }

  private readyChange(now: number, id: string, before: { health: string; reason: string; message: string }, after: { health: string; reason: string; message: string }): void {
    if (after.health === 'failed' && (before.health !== 'failed' || before.reason !== after.reason)) this.add(now, 'failed', 'Warning', after.reason, id, after.message);
    else if (after.health === 'healthy' && before.health === 'failed') this.add(now, 'applied', 'Normal', 'Recovered', id, `Ready again: ${after.message}`);
  }

  private add(time: number, category: TimelineEntry['category'], type: TimelineEntry['type'], reason: string, object: string, message: string): void {
    this.sequence += 1;
    this.entries.push({ id: `transition/${this.sequence}`, time, category, type, reason, message, object, count: 1 });
    if (this.entries.length > kept) this.entries.splice(0, this.entries.length - kept);
  }

  private forgetMissing<T extends { id: string }>(map: Map<string, T>, present: readonly T[]): void {
    if (map.size === present.length) return;
    const ids = new Set(present.map((item) => item.id));
    for (const id of map.keys()) if (!ids.has(id)) map.delete(id);
  }
}

/** `production_web_apps_Deployment` as messages name objects: `Deployment/production/web`. */
function describeInventoryId(id: string): string {
  const [namespace, name, , kind] = id.split('_');
  return `${kind}/${namespace ? `${namespace}/` : ''}${name} deleted`;
}
