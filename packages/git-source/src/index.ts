/**
 * @packageDocumentation
 * Pull configuration from git as Flux's source-controller does: Masterminds-compatible
 * semver, fetching with isomorphic-git, deterministic content-addressed artifacts,
 * `gitSource()` as an Observable of revisions, and write-back for image automation.
 */
export {
  SemverError,
  isSemverError,
  SemVer,
  type ParseVersionOptions,
  parseVersion,
  parseStrictVersion,
  compareVersions,
  MAX_VERSION_LENGTH,
  type Constraint,
  type ConstraintOptions,
  parseConstraint,
  MAX_CONSTRAINT_LENGTH,
  MAX_CONSTRAINT_GROUPS,
  type VersionCandidate,
  parseFluxVersion,
  pickLatestVersion,
} from './semver/index.js';
export {
  GitSourceError,
  GitAuthError,
  GitFetchError,
  GitTimeoutError,
  GitRefNotFoundError,
  UnsupportedGitFeatureError,
  GitVerificationError,
  ArtifactTooLargeError,
  isGitSourceError,
  InvalidGitUrlError,
  ArtifactStorageError,
} from './errors.js';
export { redactUrl, redactSecrets } from './redact.js';
export { type GitAuth, authFromSecretData, remoteEndpoint } from './transport.js';
export { type GitRef, type AdvertisedRef, type ResolvedRef, DEFAULT_BRANCH, resolveRef, formatRevision } from './ref.js';
export { type RemoteOptions, DEFAULT_TIMEOUT_MS, listRemoteRefs } from './remote.js';
export { type FetchCommitOptions, fetchCommit, cacheGitdir } from './fetch.js';
export { transferLimit } from './upload-pack.js';
export { DEFAULT_EXCLUSIONS, SOURCE_IGNORE_FILE, IgnoreRules } from './ignore-rules.js';
export { type CollectTreeOptions, TreeCache, collectTree, escapesRepository } from './tree.js';
export { type ArtifactEntry, writeTarGz, writeTar } from './tar.js';
export { type StoredArtifact, type ArtifactStorageOptions, ArtifactStorage } from './storage.js';
export { type VerifyMode, type VerifyOptions, verifySignatures } from './verify.js';
export {
  type GitArtifact,
  type IncludedArtifact,
  type FetchArtifactOptions,
  type FetchArtifactResult,
  fetchArtifact,
  mergeInclude,
} from './artifact.js';
export { type GitSourceOptions, type GitSourceEvent, type IncludedSource, gitSource, gitSourceEvents } from './git-source.js';
export { type WriteBackOptions, type WriteBackResult, WriteBackConflictError, writeBack } from './write-back.js';
export { type WebhookReceiverSpec, type WebhookReceiver, webhookPath, startWebhookReceiver } from './webhook.js';
export { type ArtifactServer, serveArtifacts } from './serve.js';
export {
  type Condition,
  type GitRepository,
  type GitRepositorySpec,
  type GitRepositoryStatus,
  type GitRepositoryArtifact,
  GitRepositoryKind,
} from './git-repository.js';
export { setCondition, removeConditions } from './conditions.js';
export { type GitRepositoryReconcilerOptions, GitRepositoryReconciler, gitRepositoryController } from './git-repository-reconciler.js';
