/**
 * @packageDocumentation
 * Pull configuration from git as Flux's source-controller does: Masterminds-compatible
 * semver, fetching with isomorphic-git, deterministic content-addressed artifacts,
 * `gitSource()` as an Observable of revisions, and write-back for image automation.
 *
 * The folders follow the flow: `protocol/` is the git client and knows nothing of Flux
 * (transport → remote refs → upload-pack → pack → object store → `fetchCommit`); `artifact/`
 * turns a `GitRef` into Flux's artifact (ref → tree → verify → tar → storage → `fetchArtifact`,
 * `serveArtifacts`); `source/` polls it as a stream (`gitSource()`, webhooks);
 * `git-repository/` is the `GitRepository` resource and its reconciler; `write-back/` goes the
 * other way (commit and push). `semver/`, `errors.ts` and `redact.ts` are the foundations.
 */

// Foundations: Masterminds semver, typed errors, credentials kept out of messages.
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

// protocol/: the git smart-HTTP client.
export { type GitAuth, authFromSecretData, remoteEndpoint } from './protocol/transport.js';
export { type AdvertisedRef, type RemoteOptions, DEFAULT_TIMEOUT_MS, listRemoteRefs } from './protocol/remote.js';
export { transferLimit } from './protocol/upload-pack.js';
export { type FetchTarget, type FetchCommitOptions, fetchCommit, cacheGitdir } from './protocol/fetch.js';

// artifact/: from a GitRef to a stored artifact, Flux's way.
export { type GitRef, type ResolvedRef, DEFAULT_BRANCH, resolveRef, formatRevision } from './artifact/ref.js';
export { DEFAULT_EXCLUSIONS, SOURCE_IGNORE_FILE, IgnoreRules } from './artifact/ignore-rules.js';
export { type CollectTreeOptions, TreeCache, collectTree, escapesRepository } from './artifact/tree.js';
export { type VerifyMode, type VerifyOptions, verifySignatures } from './artifact/verify.js';
export { type ArtifactEntry, writeTarGz, writeTar } from './artifact/tar.js';
export { type StoredArtifact, type ArtifactStorageOptions, ArtifactStorage } from './artifact/storage.js';
export {
  type GitArtifact,
  type IncludedArtifact,
  type FetchArtifactOptions,
  type FetchArtifactResult,
  fetchArtifact,
  mergeInclude,
} from './artifact/artifact.js';
export { type ArtifactServer, serveArtifacts } from './artifact/serve.js';

// source/: artifacts as a stream.
export { type GitSourceOptions, type GitSourceEvent, type IncludedSource, gitSource, gitSourceEvents } from './source/git-source.js';
export { type WebhookReceiverSpec, type WebhookReceiver, webhookPath, startWebhookReceiver } from './source/webhook.js';

// git-repository/: the GitRepository resource and its reconciler.
export {
  type GitRepository,
  type GitRepositorySpec,
  type GitRepositoryStatus,
  type GitRepositoryArtifact,
  GitRepositoryKind,
} from './git-repository/git-repository.js';
export { type GitRepositoryReconcilerOptions, GitRepositoryReconciler, gitRepositoryController } from './git-repository/git-repository-reconciler.js';

// write-back/: the other direction, commit and push.
export { type WriteBackOptions, type WriteBackResult, WriteBackConflictError, writeBack } from './write-back/write-back.js';
