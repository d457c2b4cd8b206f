/** The page's copy of the view: the snapshot, kept up to date by deltas. */
import type {
  CanarySample,
  CanaryView,
  CollectionName,
  ImagePolicyView,
  KustomizationView,
  ObjectView,
  SourceView,
  TimelineEntry,
  ViewDelta,
  ViewSnapshot,
} from '../src/view-model.js';
import type { Connection } from './live.js';

export interface PageState {
  title: string;
  writeActions: boolean;
  served: ViewSnapshot['served'];
  sources: Map<string, SourceView>;
  kustomizations: Map<string, KustomizationView>;
  objects: Map<string, ObjectView>;
  imagePolicies: Map<string, ImagePolicyView>;
  canaries: Map<string, CanaryView>;
  timeline: Map<string, TimelineEntry>;
  canaryHistory: Map<string, CanarySample[]>;
  connection: Connection;
  connectionDetail: string | undefined;
  /** Whether a snapshot has arrived. */
  loaded: boolean;
  /** Counts changes, so views can tell a new state from the old. */
  version: number;
}

export function emptyState(): PageState {
  return {
    title: 'Weft',
    writeActions: false,
    served: { GitRepository: true, Kustomization: true, ImagePolicy: false, Canary: false },
    sources: new Map(),
    kustomizations: new Map(),
    objects: new Map(),
    imagePolicies: new Map(),
    canaries: new Map(),
    timeline: new Map(),
    canaryHistory: new Map(),
    connection: 'connecting',
    connectionDetail: undefined,
    loaded: false,
    version: 0,
  };
}

const byId = <T extends { id: string }>(items: readonly T[]) => new Map(items.map((item) => [item.id, item]));
const timelineLimit = 1000;

export function applySnapshot(state: PageState, snapshot: ViewSnapshot): void {
  state.title = snapshot.title;
  state.writeActions = snapshot.writeActions;
  state.served = snapshot.served;
  state.sources = byId(snapshot.sources);
  state.kustomizations = byId(snapshot.kustomizations);
  state.objects = byId(snapshot.objects);
  state.imagePolicies = byId(snapshot.imagePolicies);
  state.canaries = byId(snapshot.canaries);
  state.timeline = byId(snapshot.timeline);
  state.canaryHistory = new Map(Object.entries(snapshot.canaryHistory).map(([id, samples]) => [id, [...samples]]));
  state.loaded = true;
  state.version += 1;
}

export function applyDelta(state: PageState, delta: ViewDelta): void {
  for (const [name, items] of Object.entries(delta.upsert) as [CollectionName, readonly { id: string }[]][]) {
    const map = state[name] as Map<string, { id: string }>;
    for (const item of items) map.set(item.id, item);
  }
  for (const [name, ids] of Object.entries(delta.remove) as [CollectionName, readonly string[]][]) {
    const map = state[name] as Map<string, unknown>;
    for (const id of ids) map.delete(id);
  }
  if (delta.served) state.served = delta.served;
  for (const entry of delta.timeline ?? []) state.timeline.set(entry.id, entry);
  if (state.timeline.size > timelineLimit) {
    const oldest = [...state.timeline.values()].sort((a, b) => a.time - b.time).slice(0, state.timeline.size - timelineLimit);
    for (const entry of oldest) state.timeline.delete(entry.id);
  }
  for (const [id, samples] of Object.entries(delta.canarySamples ?? {})) state.canaryHistory.set(id, [...(state.canaryHistory.get(id) ?? []), ...samples]);
  state.version += 1;
}
