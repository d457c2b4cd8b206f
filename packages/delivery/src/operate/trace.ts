import { type Condition, type KubeClient, type KubeObject, type ObjectRef, describeObject, isNotFoundError, objectRef } from '@weft/reconcile-core';
import { type GitRepository, GitRepositoryKind } from '@weft/git-source';
import { type FieldChange, type Health, objectHealth, ownerOf } from '@weft/drift';
import { ArtifactReader } from '../artifact/artifact-reader.js';
import { type Kustomization, KustomizationKind } from '../kustomization/kustomization.js';
import { buildKustomization } from './build-kustomization.js';
import { diffKustomization } from './diff-kustomization.js';
import { NotManagedError } from './errors.js';
import { readyCondition } from './object-status.js';

/** Options of {@link traceObject}. */
export interface TraceOptions {
  /** Reads the source's artifact to tell whether the object has drifted. Default: one that fetches `status.artifact.url`. */
  readonly artifacts?: ArtifactReader;
  /** Whether to check drift at all (it reads the artifact and dry-runs the object). Default true. */
  readonly drift?: boolean;
  /** Aborts every read. */
  readonly signal?: AbortSignal;
}

/** Whether an object matches what its Kustomization applied (see {@link traceObject}). */
export interface DriftVerdict {
  /** `in-sync`, `drifted` (someone changed it since), `missing` (deleted), or `unknown` (see `reason`). */
  readonly status: 'in-sync' | 'drifted' | 'missing' | 'unknown';
  /** The fields that differ, Secret values masked (for `drifted`). */
  readonly changes: readonly FieldChange[];
  /** A unified diff of live against applied, Secret values masked (for `drifted`). */
  readonly unified: string;
  /** Why the verdict is `unknown`: the source moved on, the artifact could not be read, the build failed. */
  readonly reason?: string;
}

/** Where an object came from, as {@link traceObject} finds it. */
export interface ObjectTrace {
  /** The traced object. */
  readonly object: { readonly ref: ObjectRef; readonly subject: string; readonly health: Health };
  /** The Kustomization whose ownership labels the object carries. */
  readonly kustomization: {
    /** Its reference. */
    readonly ref: ObjectRef;
    /** The Kustomization itself. */
    readonly object: Kustomization;
    /** The revision it last applied (`main@sha1:…`). */
    readonly revision: string | undefined;
    /** Its Ready condition. */
    readonly ready: Condition | undefined;
  };
  /** The GitRepository the Kustomization builds from; undefined when it does not exist. */
  readonly source:
    | {
        /** Its reference. */
        readonly ref: ObjectRef;
        /** The GitRepository itself. */
        readonly object: GitRepository;
        /** The revision of its current artifact (`main@sha1:…`). */
        readonly revision: string | undefined;
        /** Its Ready condition. */
        readonly ready: Condition | undefined;
      }
    | undefined;
  /** The commit the object was applied from (the `sha1:` part of the Kustomization's revision). */
  readonly commit: string | undefined;
  /** Whether the object is drifted now. */
  readonly drift: DriftVerdict;
}

/**
 * Traces an object through the delivery pipeline, as `flux trace` does: the Kustomization that
 * applied it (by its ownership labels), the GitRepository that Kustomization builds from, the
 * revision and commit it was applied at, and whether it has drifted from that revision now.
 *
 * @remarks
 * Drift is judged by building the Kustomization from its source's artifact (the same build as the
 * reconciler's) and dry-running this object against the live one: `in-sync`, `drifted` with the
 * fields, or `missing`. It is `unknown` (saying why) when the source has moved past the applied
 * revision, the artifact cannot be read from here (an in-cluster URL seen from a laptop), or the
 * build fails. Nothing is written.
 * @throws {@link NotManagedError} when the object has no ownership labels.
 * @throws reconcile-core's `NotFoundError` when the object or its Kustomization does not exist; other `KubeApiError`s.
 * @example
 * ```ts
 * import { traceObject } from '@weft/delivery';
 *
 * const trace = await traceObject(client, { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'apps', name: 'settings' });
 * console.log(trace.kustomization.revision, trace.drift.status);
 * ```
 */
export async function traceObject(client: KubeClient, ref: ObjectRef, options: TraceOptions = {}): Promise<ObjectTrace> {
  const signal = options.signal;
  const live = await client.get({ apiVersion: ref.group ? `${ref.group}/${ref.version}` : ref.version, kind: ref.kind }, ref.name, { namespace: ref.namespace, signal });
  const liveRef = objectRef(live);
  const subject = describeObject(liveRef);
  const owner = ownerOf(live);
  if (!owner) throw new NotManagedError(subject, `${subject} is not managed by a Kustomization (it has no weft.dev/name and weft.dev/namespace labels)`);
  const kustomization = await client.get(KustomizationKind, owner.name, { namespace: owner.namespace, signal });
  const sourceRef = kustomization.spec.sourceRef;
  const sourceNamespace = sourceRef.namespace ?? owner.namespace;
  const repository = await client.get(GitRepositoryKind, sourceRef.name, { namespace: sourceNamespace, signal }).catch((error: unknown) => {
    if (isNotFoundError(error)) return undefined;
    throw error;
  });
  const revision = kustomization.status?.lastAppliedRevision;
  const commit = revision?.match(/sha1:([0-9a-f]+)/)?.[1];
  const drift = options.drift === false ? { status: 'unknown' as const, changes: [], unified: '', reason: 'not checked' } : await driftOf(client, live, kustomization, repository, options);
  return {
    object: { ref: liveRef, subject, health: objectHealth(live) },
    kustomization: { ref: objectRef(kustomization), object: kustomization, revision, ready: readyCondition(kustomization) },
    source: repository && { ref: objectRef(repository), object: repository, revision: repository.status?.artifact?.revision, ready: readyCondition(repository) },
    commit,
    drift,
  };
}

async function driftOf(client: KubeClient, live: KubeObject, kustomization: Kustomization, repository: GitRepository | undefined, options: TraceOptions): Promise<DriftVerdict> {
  const unknown = (reason: string): DriftVerdict => ({ status: 'unknown', changes: [], unified: '', reason });
  const artifact = repository?.status?.artifact;
  const applied = kustomization.status?.lastAppliedRevision;
  if (!repository || !artifact) return unknown('the source has no artifact to compare with');
  if (!applied) return unknown('the Kustomization has not applied a revision yet');
  if (artifact.revision !== applied) return unknown(`the source is at ${artifact.revision} while ${applied} is applied: drift is judged once the new revision is applied`);
  try {
    const fs = await (options.artifacts ?? new ArtifactReader()).read(artifact, options.signal ? { signal: options.signal } : {});
    const built = await buildKustomization(client, kustomization, fs, options.signal ? { signal: options.signal } : {});
    const id = describeObject(objectRef(live));
    const desired = built.objects.find((object) => describeObject(objectRef(object)) === id);
    if (!desired) return unknown(`${id} is no longer in revision ${applied}: the Kustomization prunes it on its next apply (when spec.prune is on)`);
    const [entry] = (await diffKustomization(client, kustomization, [desired], options.signal ? { signal: options.signal } : {})).entries;
    if (!entry || entry.status === 'skipped') return unknown(entry?.reason ?? 'not compared');
    return { status: entry.status, changes: entry.changes, unified: entry.unified };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    return unknown((error as Error).message);
  }
}
