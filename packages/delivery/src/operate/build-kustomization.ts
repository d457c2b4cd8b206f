import { ConfigMapKind, type KubeClient, type KubeObject, SecretKind, isNotFoundError } from '@weft/reconcile-core';
import { ownershipLabels } from '@weft/drift';
import type { KustomizeFs } from '@weft/kustomize-lite';
import { type BuiltManifests, buildManifests } from '../build-manifests.js';
import type { Kustomization } from '../kustomization/kustomization.js';

/** Options of {@link buildKustomization}. */
export interface BuildKustomizationOptions {
  /** The directory of `fs` to build; default the Kustomization's `spec.path`. */
  readonly path?: string;
  /** Aborts the build and the reads of `substituteFrom` objects. */
  readonly signal?: AbortSignal;
}

/**
 * What a Kustomization would apply from the files in `fs`: its build step (kustomize build of
 * `path`, a generated kustomization.yaml when there is none, `targetNamespace`, `postBuild`
 * substitution with `substituteFrom` ConfigMaps and Secrets read from the cluster), and the
 * ownership labels the apply adds (`weft.dev/name`, `weft.dev/namespace`), as `flux build
 * kustomization` shows it.
 *
 * @remarks `fs` is a local checkout (`nodeFs`), a git artifact (`ArtifactReader.read`) or memory:
 * the same build as the Kustomization reconciler's, so a local change can be checked before it is
 * pushed. A `substituteFrom` object that is missing fails unless it is `optional`, as in the cluster.
 * @throws kustomize-lite's `KustomizeError` (and subclasses) naming the file; reconcile-core's
 * `KubeApiError`s from reading `substituteFrom` objects.
 * @example
 * ```ts
 * import { nodeFs } from '@weft/kustomize-lite';
 * import { KustomizationKind, buildKustomization } from '@weft/delivery';
 *
 * const kustomization = await client.get(KustomizationKind, 'shop', { namespace: 'apps' });
 * const { objects } = await buildKustomization(client, kustomization, nodeFs(), { path: `${checkout}/deploy` });
 * ```
 */
export async function buildKustomization(client: KubeClient, kustomization: Kustomization, fs: KustomizeFs, options: BuildKustomizationOptions = {}): Promise<BuiltManifests> {
  const spec = kustomization.spec;
  const namespace = kustomization.metadata.namespace ?? 'default';
  const built = await buildManifests({
    fs,
    ...((options.path ?? spec.path) !== undefined ? { path: (options.path ?? spec.path)! } : {}),
    ...(spec.targetNamespace !== undefined ? { targetNamespace: spec.targetNamespace } : {}),
    ...(spec.postBuild
      ? {
          postBuild: {
            ...(spec.postBuild.substitute ? { substitute: spec.postBuild.substitute } : {}),
            ...(spec.postBuild.substituteFrom ? { substituteFrom: spec.postBuild.substituteFrom } : {}),
            getObject: async (reference, { signal }) => {
              try {
                return (await client.get(reference.kind === 'Secret' ? SecretKind : ConfigMapKind, reference.name, { namespace, signal: signal ?? options.signal })) as never;
              } catch (error) {
                if (isNotFoundError(error)) return undefined;
                throw error;
              }
            },
          },
        }
      : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const sources = new Map<KubeObject, string | undefined>();
  const objects = built.objects.map((object) => {
    const labelled = { ...object, metadata: { ...object.metadata, labels: { ...object.metadata.labels, [ownershipLabels.name]: kustomization.metadata.name, [ownershipLabels.namespace]: namespace } } };
    sources.set(labelled, built.sourceOf(object));
    return labelled;
  });
  return { objects, sourceOf: (object) => sources.get(object) };
}
