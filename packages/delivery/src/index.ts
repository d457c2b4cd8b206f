/**
 * @packageDocumentation
 * `@weft/delivery`: the delivery pipeline — git source → kustomize build → apply → drift
 * correction — as one composed rxjs operator ({@link deliveryPipeline}) and as its stages
 * ({@link gitRevisions}, {@link kustomizeBuild}, `@weft/drift`'s `applySet` and `correctDrift`);
 * the artifact → file-system glue between git-source and kustomize-lite; and Flux's
 * `Kustomization` (CRD, reconciler built on that pipeline, and `createGitOpsManager`, the whole
 * operator in one reconcile-core Manager).
 *
 * Guide: [the delivery pipeline](../../../docs/delivery-pipeline.md).
 */
export { type SourceRevision, type SourceOutcome, gitRevisions } from './source.js';
export { artifactFs } from './artifact/artifact-fs.js';
export { ArtifactReader, type ArtifactReaderOptions } from './artifact/artifact-reader.js';
export { untar } from './artifact/untar.js';
export { ArtifactError } from './artifact/artifact-error.js';
export { buildManifests, type BuildManifestsOptions, type BuiltManifests } from './build-manifests.js';
export { kustomizeBuild, buildRevision, type KustomizeBuildOptions } from './kustomize-build.js';
export { deliveryPipeline, type DeliveryPipelineOptions } from './pipeline.js';
export {
  KustomizationKind,
  kustomizationCrd,
  type Kustomization,
  type KustomizationSpec,
  type KustomizationStatus,
  type OwnershipConflictEntry,
  type DriftDetection,
  type DependencyReference,
  type NamespacedObjectKindReference,
  type SubstituteReference,
} from './kustomization/kustomization.js';
export { KustomizationReconciler, KUSTOMIZE_FIELD_MANAGER, type KustomizationReconcilerOptions } from './kustomization/reconciler.js';
export { kustomizationController } from './kustomization/controller.js';
export { createGitOpsManager, installGitOpsCrds, gitOpsCrds, type GitOpsOperatorOptions } from './manager.js';
