import type { KubeConfig } from '@kubernetes/client-node';
import { type KubeObject, type Manager, type ObjectRef, KubeClient, kubeTransport, stripManagedFields } from '@weft/reconcile-core';
import type { GitRepository } from '@weft/git-source';
import type { Kustomization } from '@weft/delivery';
import type { Canary } from '@weft/progressive';
import { inventoryEntryRef } from '@weft/drift';
import { AppliedObjects } from './applied-objects.js';
import { CanaryHistory } from './canary-history.js';
import { type ImagePolicyObject, type ViewKindName, viewKinds } from './kinds.js';
import { type KindSource, findController, managerStoreSource, watchedSource } from './kind-source.js';
import { Timeline } from './timeline.js';
import { StatusTransitions } from './transitions.js';
import type {
  CanaryView,
  CollectionName,
  HealthView,
  ImagePolicyView,
  KustomizationView,
  ObjectView,
  SourceView,
  TimelineEntry,
  ViewCollections,
  ViewDelta,
  ViewSnapshot,
} from './view-model.js';

/** Options of {@link PipelineView}. */
export interface PipelineViewOptions {
  /** The cluster: for the view's own watches (applied objects, Events, kinds no Manager runs), diffs and actions. */
  readonly kubeConfig: KubeConfig;
  /**
   * Managers of this process whose caches the view reads (the GitOps manager of
   * `@weft/delivery`'s `createGitOpsManager`, a Manager running `canaryController`…). A kind no
   * Manager reconciles is watched by the view itself, once for all tabs.
   */
  readonly managers?: readonly Manager[];
  /**
   * The kinds the view shows. A kind left out is neither read nor watched and its page says it is
   * not served: give an operator's view only the kinds its controllers run, so that it never
   * watches what its RBAC does not let it read. @defaultValue all four
   */
  readonly kinds?: readonly ViewKindName[];
  /** Watch only this namespace (for the kinds and Events the view watches itself). @defaultValue all namespaces */
  readonly namespace?: string;
  /** Shown in the page's header. @defaultValue 'Weft' */
  readonly title?: string;
  /** How many timeline entries the page gets. @defaultValue 300 */
  readonly timelineLimit?: number;
  /** How often the Managers' caches are compared with what the page has, in ms (in memory; never a request). @defaultValue 250 */
  readonly sampleIntervalMs?: number;
}

type Collections = { -readonly [name in CollectionName]: ViewCollections[name] };
const collectionNames: readonly CollectionName[] = ['sources', 'kustomizations', 'objects', 'imagePolicies', 'canaries'];

/**
 * The state every page of the web view shows, kept in this process and pushed to each open tab
 * as a {@link ViewSnapshot} followed by {@link ViewDelta}s.
 *
 * @remarks
 * Guarantees: the apiserver is asked nothing per tab. GitRepositories, Kustomizations, Canaries
 * and ImagePolicies are read from the Managers' own caches when a Manager of the process runs
 * their controller (compared every `sampleIntervalMs` in memory, since a store has no change
 * feed), else from one watch of the view's own; applied objects and Events from one watch per
 * kind. Only summaries are kept and sent: names, conditions, health, field managers — never an
 * object's content, so never a Secret's value. A delta carries only what changed; a burst of
 * changes within a few milliseconds is one delta.
 * @example
 * ```ts
 * import { PipelineView } from '@weft/web-view';
 *
 * const view = new PipelineView({ kubeConfig, managers: [manager] });
 * view.start();
 * const stop = view.subscribe((delta) => console.log(Object.keys(delta.upsert)));
 * ```
 */
export class PipelineView {
  readonly title: string;
  /** The client of diffs and actions. */
  readonly client: KubeClient;
  private readonly transport;
  private readonly listeners = new Set<(delta: ViewDelta) => void>();
  private readonly history = new CanaryHistory();
  private readonly transitions = new StatusTransitions();
  private readonly sent: { [name in CollectionName]: Map<string, { value: object; json: string }> } = {
    sources: new Map(),
    kustomizations: new Map(),
    objects: new Map(),
    imagePolicies: new Map(),
    canaries: new Map(),
  };
  private readonly sentTimeline = new Map<string, string>();
  private sentServed = '';
  private sources: { [name in ViewKindName]: KindSource<KubeObject> } | undefined;
  private objects: AppliedObjects | undefined;
  private timeline: Timeline | undefined;
  private sampler: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  /** One view per cached object: a store replaces an object on change, so an unchanged one keeps its view (and is not compared again). */
  private readonly views = new WeakMap<object, object>();
  private current: { collections: Collections; timeline: TimelineEntry[]; served: ViewSnapshot['served'] } | undefined;

  constructor(private readonly options: PipelineViewOptions) {
    this.title = options.title ?? 'Weft';
    this.client = new KubeClient(options.kubeConfig);
    this.transport = kubeTransport(options.kubeConfig);
  }

  /** Starts the view's own watches and the sampling of the Managers' caches. Calling it again does nothing. */
  start(): void {
    if (this.sources) return;
    const managers = this.options.managers ?? [];
    const onChange = () => this.soon();
    const shown = new Set(this.options.kinds ?? (Object.keys(viewKinds) as ViewKindName[]));
    const sourceOf = (name: ViewKindName): KindSource<KubeObject> => {
      if (!shown.has(name)) return notShown;
      const kind = viewKinds[name] as never;
      const controller = findController<KubeObject>(managers, kind);
      if (controller) return managerStoreSource(controller);
      return watchedSource<KubeObject>(kind, { transport: this.transport, namespace: this.options.namespace, transform: stripManagedFields, onChange });
    };
    this.sources = { GitRepository: sourceOf('GitRepository'), Kustomization: sourceOf('Kustomization'), ImagePolicy: sourceOf('ImagePolicy'), Canary: sourceOf('Canary') };
    this.objects = new AppliedObjects(this.client, this.transport, onChange);
    this.timeline = new Timeline(this.transport, { namespace: this.options.namespace, onChange });
    this.sampler = setInterval(() => this.refresh(), this.options.sampleIntervalMs ?? 250);
    this.sampler.unref();
    this.refresh();
  }

  /** Everything, for a tab that just connected. */
  snapshot(): ViewSnapshot {
    const current = this.current ?? this.compute();
    return { title: this.title, writeActions: false, ...current.collections, served: current.served, timeline: current.timeline, canaryHistory: this.history.all() };
  }

  /** Hears every delta until the returned function is called. */
  subscribe(listener: (delta: ViewDelta) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Records a metric value of a Canary's analysis for its chart (until `@weft/progressive`
   * publishes the values it reads, a user's own hook can feed them here).
   */
  recordCanaryMetric(canary: { namespace: string; name: string }, metric: string, value: number): void {
    this.history.recordMetric(`Canary/${canary.namespace}/${canary.name}`, metric, value);
    this.soon();
  }

  /** The cached Kustomization `namespace/name`. */
  kustomization(namespace: string, name: string): Kustomization | undefined {
    return this.sources?.Kustomization.get(`${namespace}/${name}`) as Kustomization | undefined;
  }

  /** The cached GitRepository `namespace/name`. */
  gitRepository(namespace: string, name: string): GitRepository | undefined {
    return this.sources?.GitRepository.get(`${namespace}/${name}`) as GitRepository | undefined;
  }

  /** The cached Canary `namespace/name`. */
  canary(namespace: string, name: string): Canary | undefined {
    return this.sources?.Canary.get(`${namespace}/${name}`) as Canary | undefined;
  }

  /** Stops every watch and timer; the Managers' caches are left alone. */
  close(): void {
    clearInterval(this.sampler);
    clearTimeout(this.pending);
    for (const source of Object.values(this.sources ?? {})) source.close();
    this.objects?.close();
    this.timeline?.close();
    this.client.close();
    this.transport.close();
    this.listeners.clear();
  }

  /** A refresh a few milliseconds from now: a burst of watch events becomes one delta. */
  private soon(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.refresh();
    }, 20);
    this.pending.unref();
  }

  /** Compares the state now with what was sent, and sends the difference. */
  private refresh(): void {
    const next = this.compute();
    this.current = next;
    const upsert: Record<string, object[]> = {};
    const remove: Record<string, string[]> = {};
    for (const name of collectionNames) {
      const sent = this.sent[name];
      const seen = new Set<string>();
      for (const item of next.collections[name] as readonly (object & { id: string })[]) {
        seen.add(item.id);
        const previous = sent.get(item.id);
        if (previous?.value === item) continue;
        const json = JSON.stringify(item);
        if (previous?.json === json) {
          sent.set(item.id, { value: item, json });
          continue;
        }
        sent.set(item.id, { value: item, json });
        (upsert[name] ??= []).push(item);
      }
      for (const id of sent.keys()) {
        if (seen.has(id)) continue;
        sent.delete(id);
        (remove[name] ??= []).push(id);
      }
    }
    const timeline: TimelineEntry[] = [];
    for (const entry of next.timeline) {
      const stamp = `${entry.time}|${entry.count}`;
      if (this.sentTimeline.get(entry.id) === stamp) continue;
      this.sentTimeline.set(entry.id, stamp);
      timeline.push(entry);
    }
    if (this.sentTimeline.size > 4 * (this.options.timelineLimit ?? 300)) {
      const keep = new Set(next.timeline.map((entry) => entry.id));
      for (const id of this.sentTimeline.keys()) if (!keep.has(id)) this.sentTimeline.delete(id);
    }
    this.history.observeEvents(timeline);
    this.history.observe(next.collections.canaries, Date.now());
    this.history.retain(new Set(next.collections.canaries.map((canary) => canary.id)));
    const samples = this.history.takeFresh();
    const served = JSON.stringify(next.served);
    const servedChanged = served !== this.sentServed;
    this.sentServed = served;
    if (Object.keys(upsert).length === 0 && Object.keys(remove).length === 0 && timeline.length === 0 && !samples && !servedChanged) return;
    const delta: ViewDelta = {
      upsert: upsert as ViewDelta['upsert'],
      remove: remove as ViewDelta['remove'],
      ...(timeline.length > 0 ? { timeline } : {}),
      ...(samples ? { canarySamples: samples } : {}),
      ...(servedChanged ? { served: next.served } : {}),
    };
    for (const listener of this.listeners) listener(delta);
  }

  private memo<T extends object, V extends object>(toView: (object: T) => V): (object: T) => V {
    return (object) => {
      let view = this.views.get(object) as V | undefined;
      if (!view) this.views.set(object, (view = toView(object)));
      return view;
    };
  }

  private compute(): { collections: Collections; timeline: TimelineEntry[]; served: ViewSnapshot['served'] } {
    const sources = this.sources;
    if (!sources) return { collections: { sources: [], kustomizations: [], objects: [], imagePolicies: [], canaries: [] }, timeline: [], served: { GitRepository: false, Kustomization: false, ImagePolicy: false, Canary: false } };
    const kustomizations = (sources.Kustomization.list() as Kustomization[]).map(this.memo(kustomizationView)).sort(byId);
    const refs = new Map<string, ObjectRef>();
    for (const kustomization of sources.Kustomization.list() as Kustomization[]) {
      for (const entry of kustomization.status?.inventory?.entries ?? []) {
        try {
          refs.set(entry.id, inventoryEntryRef(entry));
        } catch {
          // An entry that is not <namespace>_<name>_<group>_<kind> names no object to show.
        }
      }
    }
    this.objects!.follow(refs.values());
    const objects: ObjectView[] = [...refs.values()].map((ref) => this.objects!.get(ref));
    const collections: Collections = {
      sources: (sources.GitRepository.list() as GitRepository[]).map(this.memo(sourceView)).sort(byId),
      kustomizations,
      objects,
      imagePolicies: (sources.ImagePolicy.list() as ImagePolicyObject[]).map(this.memo(imagePolicyView)).sort(byId),
      canaries: (sources.Canary.list() as Canary[]).map(this.memo(canaryView)).sort(byId),
    };
    const served = { GitRepository: sources.GitRepository.served, Kustomization: sources.Kustomization.served, ImagePolicy: sources.ImagePolicy.served, Canary: sources.Canary.served };
    this.transitions.observe(collections, Date.now());
    const limit = this.options.timelineLimit ?? 300;
    const timeline = [...this.timeline!.entries(limit), ...this.transitions.list()].sort((a, b) => a.time - b.time).slice(-limit);
    return { collections, timeline, served };
  }
}

/** A kind the view was told not to show: nothing listed, not served. */
const notShown: KindSource<KubeObject> = { list: () => [], get: () => undefined, served: false, close: () => undefined };

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

interface ConditionLike {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

/** A Weft resource's health from its conditions: Ready=True healthy, a stall or a failure failed, anything on its way progressing. */
export function readyHealth(object: { metadata: KubeObject['metadata']; status?: { observedGeneration?: number; conditions?: readonly ConditionLike[] } | undefined }, suspended: boolean): { health: HealthView; reason: string; message: string } {
  const conditions = object.status?.conditions ?? [];
  const ready = conditions.find((condition) => condition.type === 'Ready');
  const reason = ready?.reason ?? '';
  const message = ready?.message ?? '';
  if (suspended) return { health: 'suspended', reason: reason || 'Suspended', message };
  if (object.metadata.deletionTimestamp) return { health: 'terminating', reason: 'Terminating', message };
  if (!ready) return { health: 'progressing', reason: 'Progressing', message: 'not reconciled yet' };
  const stalled = conditions.some((condition) => condition.type === 'Stalled' && condition.status === 'True');
  if (ready.status === 'True') {
    const behind = typeof object.status?.observedGeneration === 'number' && typeof object.metadata.generation === 'number' && object.status.observedGeneration < object.metadata.generation;
    return { health: behind ? 'progressing' : 'healthy', reason, message };
  }
  if (ready.status === 'Unknown' || (!stalled && ['Progressing', 'DependencyNotReady'].includes(reason))) return { health: 'progressing', reason, message };
  return { health: 'failed', reason, message };
}

function sourceView(repository: GitRepository): SourceView {
  const namespace = repository.metadata.namespace ?? 'default';
  const ref = repository.spec.ref ?? {};
  const refText = ref.commit ? `commit ${ref.commit.slice(0, 7)}` : ref.semver ? `semver ${ref.semver}` : ref.tag ? `tag ${ref.tag}` : ref.name ? `ref ${ref.name}` : `branch ${ref.branch ?? 'master'}`;
  const revision = repository.status?.artifact?.revision;
  return {
    id: `GitRepository/${namespace}/${repository.metadata.name}`,
    kind: 'GitRepository',
    namespace,
    name: repository.metadata.name,
    url: repository.spec.url,
    ref: refText,
    ...(revision ? { revision } : {}),
    ...readyHealth(repository, repository.spec.suspend === true),
  };
}

function kustomizationView(kustomization: Kustomization): KustomizationView {
  const namespace = kustomization.metadata.namespace ?? 'default';
  const spec = kustomization.spec;
  const status = kustomization.status;
  return {
    id: `Kustomization/${namespace}/${kustomization.metadata.name}`,
    namespace,
    name: kustomization.metadata.name,
    source: `${spec.sourceRef.kind}/${spec.sourceRef.namespace ?? namespace}/${spec.sourceRef.name}`,
    path: spec.path ?? './',
    dependsOn: (spec.dependsOn ?? []).map((dependency) => `Kustomization/${dependency.namespace ?? namespace}/${dependency.name}`),
    ...readyHealth(kustomization, spec.suspend === true),
    ...(status?.lastAppliedRevision ? { lastAppliedRevision: status.lastAppliedRevision } : {}),
    ...(status?.lastAttemptedRevision ? { lastAttemptedRevision: status.lastAttemptedRevision } : {}),
    suspended: spec.suspend === true,
    prune: spec.prune,
    inventory: (status?.inventory?.entries ?? []).map((entry) => entry.id),
  };
}

function imagePolicyView(policy: ImagePolicyObject): ImagePolicyView {
  const namespace = policy.metadata.namespace ?? 'default';
  const latest = policy.status?.latestRef;
  const repository = policy.spec.imageRepositoryRef;
  return {
    id: `ImagePolicy/${namespace}/${policy.metadata.name}`,
    namespace,
    name: policy.metadata.name,
    repository: `ImageRepository/${repository.namespace ?? namespace}/${repository.name}`,
    ...(latest?.name ? { image: latest.name } : {}),
    ...(latest?.tag ? { tag: latest.tag } : {}),
    ...(latest?.digest ? { digest: latest.digest } : {}),
    ...readyHealth(policy, policy.spec.suspend === true),
  };
}

function canaryView(canary: Canary): CanaryView {
  const status = canary.status ?? {};
  const phase = status.phase ?? 'Initializing';
  const failed = phase === 'Failed';
  const ready = status.conditions?.find((condition) => condition.type === 'Ready' || condition.type === 'Promoted');
  return {
    id: `Canary/${canary.metadata.namespace}/${canary.metadata.name}`,
    namespace: canary.metadata.namespace,
    name: canary.metadata.name,
    target: `${canary.spec.targetRef.kind}/${canary.spec.targetRef.name}`,
    phase,
    weight: status.canaryWeight ?? 0,
    failedChecks: status.failedChecks ?? 0,
    iterations: status.iterations ?? 0,
    paused: status.paused === true,
    health: canary.spec.suspend ? 'suspended' : failed ? 'failed' : phase === 'Succeeded' || phase === 'Initialized' ? 'healthy' : 'progressing',
    message: ready?.message ?? '',
    metrics: (canary.spec.analysis?.metrics ?? []).map((metric) => metric.name),
  };
}
