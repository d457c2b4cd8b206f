/**
 * @packageDocumentation
 * A Flux-style GitOps delivery operator stitched from Weft's packages: git-source's
 * `GitRepository` reconciler and a `Kustomization` reconciler (kustomize-lite build, drift's
 * server-side apply, prune, health checks and drift correction), run by a reconcile-core Manager.
 */
export {
  KustomizationKind,
  kustomizationCrd,
  type Kustomization,
  type KustomizationSpec,
  type KustomizationStatus,
  type DriftDetection,
  type DependencyReference,
  type NamespacedObjectKindReference,
  type SubstituteReference,
} from './kustomization.js';
export { KustomizationReconciler, kustomizationController, KUSTOMIZE_FIELD_MANAGER, type KustomizationReconcilerOptions } from './kustomization-reconciler.js';
export { ArtifactReader, ArtifactError, untar, type ArtifactReaderOptions } from './artifact-fs.js';
export { buildManifests, type BuildManifestsOptions, type BuiltManifests } from './build-manifests.js';
export { createGitOpsManager, installGitOpsCrds, type GitOpsOperatorOptions } from './manager.js';
