// Flux and Weft side by side on one control plane: each side has its own namespace, holding its
// GitRepository and Kustomization and receiving what the Kustomization applies (`targetNamespace`),
// and both sides are given the same repository, revision and spec. A snapshot of a side is what a
// user would compare: the Ready condition's status and reason, the inventory, and the live objects
// it lists, with what the apiserver sets (uid, resourceVersion, timestamps, managedFields,
// allocated IPs, status) and the side's own names (namespace, owner labels) normalized away.
import type { KubeClient, KubeObject } from '@weft/reconcile-core';
import { eventually } from '@weft/testkit';
import { FluxGitRepositoryKind, FluxKustomizationKind } from './flux-controllers';

export type SideName = 'flux' | 'weft';

export interface Side {
  readonly name: SideName;
  /** Where its GitRepositories, Kustomizations, ConfigMaps and Secrets of variables live, and where it applies. */
  readonly namespace: string;
  readonly gitRepositoryKind: { apiVersion: string; kind: 'GitRepository' };
  readonly kustomizationKind: { apiVersion: string; kind: 'Kustomization' };
  /** The prefix of its ownership labels (`<prefix>/name`, `<prefix>/namespace`). */
  readonly ownerLabelPrefix: string;
}

export function fluxSide(namespace: string): Side {
  return { name: 'flux', namespace, gitRepositoryKind: FluxGitRepositoryKind, kustomizationKind: FluxKustomizationKind, ownerLabelPrefix: 'kustomize.toolkit.fluxcd.io' };
}

export function weftSide(namespace: string): Side {
  return {
    name: 'weft',
    namespace,
    gitRepositoryKind: { apiVersion: 'source.weft.dev/v1', kind: 'GitRepository' },
    kustomizationKind: { apiVersion: 'kustomize.weft.dev/v1', kind: 'Kustomization' },
    ownerLabelPrefix: 'weft.dev',
  };
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

export interface ReportedKustomization extends KubeObject {
  spec: Record<string, unknown>;
  status?: {
    observedGeneration?: number;
    lastAppliedRevision?: string;
    lastAttemptedRevision?: string;
    conditions?: Condition[];
    inventory?: { entries?: { id: string; v: string }[] };
  };
}

/** The part of a Kustomization's spec both sides share (the `sourceRef` and `targetNamespace` are each side's own). */
export type SharedSpec = Record<string, unknown> & { path: string };

export async function createGitRepository(client: KubeClient, side: Side, name: string, url: string): Promise<void> {
  await client.create({
    ...side.gitRepositoryKind,
    metadata: { name, namespace: side.namespace },
    spec: { url, interval: '10m', ref: { branch: 'main' } },
  } as KubeObject);
}

/** A Kustomization reading the GitRepository `source`, applying into the side's namespace. */
export async function createKustomization(client: KubeClient, side: Side, name: string, source: string, spec: SharedSpec): Promise<void> {
  await client.create({
    ...side.kustomizationKind,
    metadata: { name, namespace: side.namespace },
    spec: { interval: '10m', prune: true, ...spec, sourceRef: { kind: 'GitRepository', name: source }, targetNamespace: side.namespace },
  } as KubeObject);
}

/** Asks the side's GitRepository to fetch now (Flux's annotation, which Weft honours too). */
export async function requestFetch(client: KubeClient, side: Side, name: string): Promise<void> {
  await client.patch(side.gitRepositoryKind, name, { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': new Date().toISOString() } } }, { namespace: side.namespace });
}

export async function getKustomization(client: KubeClient, side: Side, name: string): Promise<ReportedKustomization> {
  return client.get<ReportedKustomization>(side.kustomizationKind, name, { namespace: side.namespace });
}

export const readyOf = (object: ReportedKustomization) => object.status?.conditions?.find((condition) => condition.type === 'Ready');

/**
 * Whether a Kustomization has finished with `revision`: Ready for this generation and either True
 * with it applied, or False having attempted it (or waiting on a dependency, which attempts
 * nothing).
 */
export function settledAt(object: ReportedKustomization, revision: string): boolean {
  const ready = readyOf(object);
  if (!ready || ready.status === 'Unknown') return false;
  if (ready.observedGeneration !== undefined && ready.observedGeneration !== object.metadata.generation) return false;
  if (ready.status === 'True') return object.status?.lastAppliedRevision === revision && object.status.observedGeneration === object.metadata.generation;
  return ready.reason === 'DependencyNotReady' || object.status?.lastAttemptedRevision === revision;
}

/** Waits until the Kustomization on each side has settled with `revision` (see {@link settledAt}), with Ready `ready` if given. */
export async function untilSettled(client: KubeClient, sides: readonly Side[], name: string, revision: string, options: { ready?: 'True' | 'False'; timeoutMs?: number } = {}): Promise<void> {
  await Promise.all(
    sides.map(async (side) => {
      let last: ReportedKustomization | undefined;
      const t0 = Date.now();
      try {
        await eventually(`${side.name} Kustomization ${side.namespace}/${name} settled at ${revision}`, async () => {
          last = await getKustomization(client, side, name);
          return settledAt(last, revision) && (options.ready === undefined || readyOf(last)?.status === options.ready);
        }, { timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 250 });
        if (process.env['WEFT_FIDELITY_DEBUG']) console.log(`${side.name} ${name} settled in ${Date.now() - t0} ms`);
      } catch (error) {
        throw new Error(`${(error as Error).message}; status: ${JSON.stringify(last?.status ?? null)}`, { cause: error });
      }
    }),
  );
}

/** What the comparison looks at, normalized so that two sides can be equal. */
export interface Snapshot {
  ready: { status: string; reason: string | undefined } | undefined;
  /** The Ready message: not compared (the wording is each side's own), quoted when the rest differs. */
  readyMessage?: string | undefined;
  lastAppliedRevision: string | undefined;
  inventory: { id: string; v: string }[];
  /** The live objects the inventory lists, by inventory id; `absent` where the object is gone. */
  objects: Record<string, unknown>;
}

/** Server-set metadata: what the apiserver (not the applier) decides. */
const serverSetMetadata = ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];
/** Annotations controllers of the cluster add (not the applier). */
const clusterSetAnnotations = ['deployment.kubernetes.io/revision'];

/** Replaces the side's namespace by `<namespace>`, recursively. */
function neutral(value: unknown, side: Side): unknown {
  if (typeof value === 'string') return value.split(side.namespace).join('<namespace>');
  if (Array.isArray(value)) return value.map((item) => neutral(item, side));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, neutral(item, side)]));
  return value;
}

/** The side's ownership labels (`<prefix>/name`, `<prefix>/namespace`) as neutral `<owner>/…` ones. */
function neutralOwnerLabels(object: KubeObject, side: Side): void {
  const labels = object.metadata.labels;
  if (!labels) return;
  for (const key of ['name', 'namespace']) {
    const label = `${side.ownerLabelPrefix}/${key}`;
    if (label in labels) {
      labels[`<owner>/${key}`] = labels[label]!;
      delete labels[label];
    }
  }
}

/** A live object without what the apiserver and the cluster's controllers set. */
export function withoutServerSet(object: KubeObject): KubeObject {
  const copy = structuredClone(object) as KubeObject & { status?: unknown; spec?: Record<string, unknown> };
  const metadata = copy.metadata as unknown as Record<string, unknown> & { annotations?: Record<string, string> };
  for (const field of serverSetMetadata) delete metadata[field];
  for (const annotation of clusterSetAnnotations) delete metadata.annotations?.[annotation];
  if (metadata.annotations && Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
  delete copy.status;
  if (copy.kind === 'Service' && copy.spec) {
    delete copy.spec['clusterIP'];
    delete copy.spec['clusterIPs'];
  }
  return copy;
}

/** Parses an inventory id `<namespace>_<name>_<group>_<kind>` with its version into a reference. */
function parseInventoryId(id: string, version: string): { apiVersion: string; kind: string; name: string; namespace?: string } {
  const [namespace, name, group, kind] = id.split('_') as [string, string, string, string];
  return { apiVersion: group ? `${group}/${version}` : version, kind, name, ...(namespace ? { namespace } : {}) };
}

/** The side's Kustomization and the objects it lists, normalized. */
export async function snapshot(client: KubeClient, side: Side, name: string): Promise<Snapshot> {
  const object = await getKustomization(client, side, name);
  const ready = readyOf(object);
  const entries = object.status?.inventory?.entries ?? [];
  const objects: Record<string, unknown> = {};
  for (const entry of entries) {
    const ref = parseInventoryId(entry.id, entry.v);
    const live = await client.get({ apiVersion: ref.apiVersion, kind: ref.kind }, ref.name, ref.namespace ? { namespace: ref.namespace } : {}).catch(() => undefined);
    objects[neutral(entry.id, side) as string] = live ? normalized(live, side) : 'absent';
  }
  return {
    ready: ready ? { status: ready.status, reason: ready.reason } : undefined,
    readyMessage: ready?.message,
    lastAppliedRevision: object.status?.lastAppliedRevision,
    inventory: (neutral([...entries].sort((a, b) => a.id.localeCompare(b.id)), side) as { id: string; v: string }[]),
    objects,
  };
}

/** A live object of the side (normalized), or `absent`: for objects a snapshot cannot list (pruned ones). */
export async function liveObject(client: KubeClient, side: Side, kind: { apiVersion: string; kind: string }, name: string): Promise<unknown> {
  const live = await client.get(kind, name, { namespace: side.namespace }).catch(() => undefined);
  return live ? normalized(live, side) : 'absent';
}

function normalized(live: KubeObject, side: Side): unknown {
  const object = withoutServerSet(live);
  neutralOwnerLabels(object, side);
  return neutral(object, side);
}
