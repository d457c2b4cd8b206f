/**
 * The values the server sends to the page: plain JSON, no Kubernetes object passes through whole.
 * The page (ui/) imports these types; nothing here may hold a Secret's value.
 */

/** How a node is coloured: an object's kstatus health, or a Weft resource's Ready condition. */
export type HealthView = 'healthy' | 'progressing' | 'failed' | 'suspended' | 'terminating' | 'missing' | 'unknown';

/** A `GitRepository` node. */
export interface SourceView {
  /** `GitRepository/<namespace>/<name>`. */
  readonly id: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly url: string;
  /** `branch main`, `tag v1`, `semver ^1`, `commit 1a2b3c4`. */
  readonly ref: string;
  /** `status.artifact.revision`. */
  readonly revision?: string;
  readonly health: HealthView;
  readonly reason: string;
  readonly message: string;
}

/** A `Kustomization` node. */
export interface KustomizationView {
  /** `Kustomization/<namespace>/<name>`. */
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  /** The id of its source node. */
  readonly source: string;
  readonly path: string;
  /** Ids of the Kustomizations it depends on. */
  readonly dependsOn: readonly string[];
  readonly health: HealthView;
  readonly reason: string;
  readonly message: string;
  readonly lastAppliedRevision?: string;
  readonly lastAttemptedRevision?: string;
  readonly suspended: boolean;
  readonly prune: boolean;
  /** Inventory ids (`<namespace>_<name>_<group>_<kind>`) of what it applied, in inventory order. */
  readonly inventory: readonly string[];
}

/** A field manager of a live object, from its `managedFields`. */
export interface FieldManagerView {
  readonly manager: string;
  readonly operation: string;
  readonly subresource?: string;
  readonly time?: string;
  /** How many leaf fields it owns. */
  readonly fields: number;
}

/** An applied object: identity, health and who manages its fields (never its content). */
export interface ObjectView {
  /** The inventory id, `<namespace>_<name>_<group>_<kind>`. */
  readonly id: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly health: HealthView;
  readonly reason: string;
  readonly managers: readonly FieldManagerView[];
}

/** What a timeline entry is about, as the page groups and colours it. */
export type TimelineCategory = 'revision' | 'applied' | 'drift-detected' | 'drift-reverted' | 'pruned' | 'failed' | 'image-update' | 'canary-step' | 'other';

/** One entry of the events timeline: a Kubernetes Event of a Weft resource. */
export interface TimelineEntry {
  /** The Event's namespace/name: the same Event updated in place (a series) keeps its id. */
  readonly id: string;
  /** Milliseconds since the epoch of its last occurrence. */
  readonly time: number;
  readonly category: TimelineCategory;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
  /** `Kind/<namespace>/<name>` of the object it is about. */
  readonly object: string;
  readonly count: number;
}

/** An `ImagePolicy` and the latest tag it chose. */
export interface ImagePolicyView {
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  /** `ImageRepository/<namespace>/<name>`. */
  readonly repository: string;
  readonly image?: string;
  readonly tag?: string;
  readonly digest?: string;
  readonly health: HealthView;
  readonly reason: string;
  readonly message: string;
}

/** A `Canary` and where its release stands. */
export interface CanaryView {
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  /** `Deployment/<name>`. */
  readonly target: string;
  readonly phase: string;
  readonly weight: number;
  readonly failedChecks: number;
  readonly iterations: number;
  readonly paused: boolean;
  readonly health: HealthView;
  readonly message: string;
  /** The metric names of its analysis. */
  readonly metrics: readonly string[];
}

/** One point of a canary's history: the status at a moment, and metric values seen then. */
export interface CanarySample {
  readonly time: number;
  readonly phase: string;
  readonly weight: number;
  readonly failedChecks: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/** The collections of the view, each keyed by `id`. */
export interface ViewCollections {
  readonly sources: readonly SourceView[];
  readonly kustomizations: readonly KustomizationView[];
  readonly objects: readonly ObjectView[];
  readonly imagePolicies: readonly ImagePolicyView[];
  readonly canaries: readonly CanaryView[];
}

/** The name of one collection. */
export type CollectionName = keyof ViewCollections;

/** The kinds whose objects the page lists (each with a page of its own). */
export type ViewKindName = 'GitRepository' | 'Kustomization' | 'ImagePolicy' | 'Canary';

/** The actions the page may offer; each also checked by the server. */
export type ActionName = 'reconcile' | 'suspend' | 'resume' | 'promote' | 'abort' | 'retry' | 'pause' | 'unpause';

/** The first message of the live stream: everything the page shows. */
export interface ViewSnapshot extends ViewCollections {
  readonly title: string;
  /** Whether the operator enabled write actions. */
  readonly writeActions: boolean;
  /** Which kinds the cluster serves and the view shows (a page for one that is not says so). */
  readonly served: Readonly<Record<ViewKindName, boolean>>;
  readonly timeline: readonly TimelineEntry[];
  readonly canaryHistory: Readonly<Record<string, readonly CanarySample[]>>;
}

/** New or changed items of each collection (whole items: an item replaces the one with its id). */
export interface CollectionUpserts {
  /** GitRepositories. */
  readonly sources?: readonly SourceView[];
  /** Kustomizations. */
  readonly kustomizations?: readonly KustomizationView[];
  /** Applied objects. */
  readonly objects?: readonly ObjectView[];
  /** ImagePolicies. */
  readonly imagePolicies?: readonly ImagePolicyView[];
  /** Canaries. */
  readonly canaries?: readonly CanaryView[];
}

/** Ids of the items gone from each collection. */
export interface CollectionRemovals {
  /** GitRepository ids. */
  readonly sources?: readonly string[];
  /** Kustomization ids. */
  readonly kustomizations?: readonly string[];
  /** Inventory ids of applied objects. */
  readonly objects?: readonly string[];
  /** ImagePolicy ids. */
  readonly imagePolicies?: readonly string[];
  /** Canary ids. */
  readonly canaries?: readonly string[];
}

/** A change since the previous message of the live stream. */
export interface ViewDelta {
  readonly upsert: CollectionUpserts;
  readonly remove: CollectionRemovals;
  readonly served?: ViewSnapshot['served'];
  /** New or updated timeline entries (by id). */
  readonly timeline?: readonly TimelineEntry[];
  /** New history samples per canary id. */
  readonly canarySamples?: Readonly<Record<string, readonly CanarySample[]>>;
}

/** The answer of `GET /api/diff`: an object's desired state from git against the live one. */
export interface ObjectDiffView {
  readonly object: string;
  readonly kustomization: string;
  readonly revision: string;
  /** `in-sync`, `drifted`, `missing` (not in the cluster), `skipped`, `not-in-git` (no longer declared), or `error`. */
  readonly status: 'in-sync' | 'drifted' | 'missing' | 'skipped' | 'not-in-git' | 'error';
  /** A unified diff of live (`-`) against git (`+`), Secret values masked. */
  readonly unified: string;
  /** The fields that differ (JSON pointers). */
  readonly paths: readonly string[];
  /** The file of the artifact the object came from. */
  readonly file?: string;
  readonly message?: string;
}
