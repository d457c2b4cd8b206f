/**
 * @packageDocumentation
 * `@weft/delivery`: the delivery pipeline — git source → kustomize build → apply → drift
 * correction — as one composed rxjs operator ({@link deliveryPipeline}) and as its stages
 * ({@link gitRevisions}, {@link kustomizeBuild}, `@weft/drift`'s `applySet` and `correctDrift`);
 * the artifact → file-system glue between git-source and kustomize-lite; and Flux's
 * `Kustomization` (CRD, reconciler built on that pipeline, and `createGitOpsManager`, the whole
 * operator in one reconcile-core Manager); and the operations a command line or a web view runs on
 * them (`operate/`: {@link requestReconcile}, {@link waitForReconcile}, {@link suspendResource},
 * {@link inventoryTree}, {@link traceObject}, {@link buildKustomization}, {@link diffKustomization}, {@link listEvents}).
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
} from './kustomization/kustomization.js';
/** The `postBuild.substituteFrom` entries of a Kustomization are kustomize-lite's. */
export type { SubstituteReference } from '@weft/kustomize-lite';
export { KustomizationReconciler, KUSTOMIZE_FIELD_MANAGER, type KustomizationReconcilerOptions } from './kustomization/reconciler.js';
export { kustomizationController } from './kustomization/controller.js';
export { createGitOpsManager, installGitOpsCrds, gitOpsCrds, type GitOpsOperatorOptions } from './manager.js';
export {
  OperationError,
  UnsupportedOperationError,
  SuspendedError,
  ReconcileRequestTimeoutError,
  NotManagedError,
} from './operate/errors.js';
export { type ObjectName, type OperableKind, readyCondition, revisionOf } from './operate/object-status.js';
export { reconcileRequestAnnotations, requestReconcile, type RequestReconcileOptions, type RequestedReconcile } from './operate/request-reconcile.js';
export { waitForReconcile, type WaitForReconcileOptions, type ReconcileProgress, type ReconcileResult } from './operate/wait-for-reconcile.js';
export { suspendResource, resumeResource, type SuspendOptions } from './operate/suspend.js';
export { inventoryTree, type InventoryTreeNode, type InventoryTreeOptions } from './operate/inventory-tree.js';
export { buildKustomization, type BuildKustomizationOptions } from './operate/build-kustomization.js';
export { diffKustomization, type DiffKustomizationOptions, type KustomizationDiff } from './operate/diff-kustomization.js';
export { traceObject, type TraceOptions, type ObjectTrace, type DriftVerdict } from './operate/trace.js';
export { listEvents, watchEvents, type ListEventsOptions, type ObjectEvent } from './operate/events.js';
