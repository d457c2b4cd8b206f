import { ConfigMapKind, SecretKind, inventoryId, isNotFoundError, objectRef } from '@weft/reconcile-core';
import { ArtifactReader, KUSTOMIZE_FIELD_MANAGER, buildManifests, type Kustomization } from '@weft/delivery';
import { diff } from '@weft/drift';
import type { PipelineView } from './pipeline-view.js';
import type { ObjectDiffView } from './view-model.js';

/** Options of {@link diffWithGit}. */
export interface DiffWithGitOptions {
  /** Reads the GitRepository's artifact (by `status.artifact.url` unless it has the storage). */
  readonly artifacts: ArtifactReader;
  /** The field manager the Kustomization applies as. @defaultValue `@weft/delivery`'s `KUSTOMIZE_FIELD_MANAGER` */
  readonly fieldManager?: string;
  readonly signal?: AbortSignal;
}

/** A diff asked for something the view does not know: the page answers 404. */
export class DiffSubjectNotFoundError extends Error {
  override name = 'DiffSubjectNotFoundError';
}

/**
 * One applied object, as git wants it against the live one: the Kustomization's source
 * artifact is built as the reconciler builds it (`@weft/delivery`'s `buildManifests`: path,
 * targetNamespace, postBuild), and compared by server-side dry run as `@weft/drift`'s `diff`
 * compares (ignore rules, ownership labels, Secret values masked). Nothing is written.
 *
 * @remarks "Git" is the source's current artifact: what the next reconcile applies. When that
 * is not the Kustomization's last applied revision (a broken commit), the answer's `revision`
 * says which one was built, and a build failure is answered as `error` with kustomize's message.
 * @throws {@link DiffSubjectNotFoundError} for an unknown Kustomization or an object not in its inventory.
 */
export async function diffWithGit(view: PipelineView, kustomizationRef: { namespace: string; name: string }, objectId: string, options: DiffWithGitOptions): Promise<ObjectDiffView> {
  const kustomization = view.kustomization(kustomizationRef.namespace, kustomizationRef.name);
  const subject = `Kustomization/${kustomizationRef.namespace}/${kustomizationRef.name}`;
  if (!kustomization) throw new DiffSubjectNotFoundError(`${subject} not found`);
  if (!(kustomization.status?.inventory?.entries ?? []).some((entry) => entry.id === objectId)) throw new DiffSubjectNotFoundError(`${objectId} is not in the inventory of ${subject}`);
  const spec = kustomization.spec;
  const sourceNamespace = spec.sourceRef.namespace ?? kustomizationRef.namespace;
  const artifact = view.gitRepository(sourceNamespace, spec.sourceRef.name)?.status?.artifact;
  const base = { object: objectId, kustomization: subject, revision: artifact?.revision ?? '' };
  if (!artifact) return { ...base, status: 'error', unified: '', paths: [], message: `GitRepository/${sourceNamespace}/${spec.sourceRef.name} has no artifact` };
  let built;
  try {
    const fs = await options.artifacts.read(artifact, { ...(options.signal ? { signal: options.signal } : {}) });
    built = await buildManifests({
      fs,
      ...(spec.path !== undefined ? { path: spec.path } : {}),
      ...(spec.targetNamespace !== undefined ? { targetNamespace: spec.targetNamespace } : {}),
      ...(spec.postBuild ? { postBuild: postBuildOf(view, kustomization, options.signal) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    return { ...base, status: 'error', unified: '', paths: [], message: `build of ${artifact.revision} failed: ${(error as Error).message}` };
  }
  const desired = built.objects.find((object) => inventoryId(objectRef(object)) === objectId);
  if (!desired) return { ...base, status: 'not-in-git', unified: '', paths: [], message: `revision ${artifact.revision} no longer declares it: the next reconcile prunes it${spec.prune ? '' : ' (prune is off: it stays)'}` };
  const file = built.sourceOf(desired);
  try {
    const [result] = await diff(view.client, [desired], {
      fieldManager: options.fieldManager ?? KUSTOMIZE_FIELD_MANAGER,
      owner: { name: kustomizationRef.name, namespace: kustomizationRef.namespace },
      ignore: spec.driftDetection?.ignore ?? [],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return {
      ...base,
      status: result!.status,
      unified: result!.unified,
      paths: result!.changes.map((change) => change.path),
      ...(file ? { file } : {}),
      ...(result!.reason ? { message: result!.reason } : {}),
    };
  } catch (error) {
    return { ...base, status: 'error', unified: '', paths: [], ...(file ? { file } : {}), message: (error as Error).message };
  }
}

function postBuildOf(view: PipelineView, kustomization: Kustomization, signal: AbortSignal | undefined) {
  const postBuild = kustomization.spec.postBuild!;
  const namespace = kustomization.metadata.namespace ?? 'default';
  return {
    ...(postBuild.substitute ? { substitute: postBuild.substitute } : {}),
    ...(postBuild.substituteFrom ? { substituteFrom: postBuild.substituteFrom } : {}),
    getObject: async (reference: { kind: 'ConfigMap' | 'Secret'; name: string }) => {
      try {
        return (await view.client.get(reference.kind === 'Secret' ? SecretKind : ConfigMapKind, reference.name, { namespace, ...(signal ? { signal } : {}) })) as never;
      } catch (error) {
        if (isNotFoundError(error)) return undefined;
        throw error;
      }
    },
  };
}
