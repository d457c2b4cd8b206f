/**
 * @packageDocumentation
 * Image update automation as Flux's image-reflector-controller and image-automation-controller
 * do it: scan OCI registries, select a tag by policy, rewrite setter markers in YAML and commit
 * the change to git — as plain functions, rxjs operators and reconcilers of `image.weft.dev/v1`
 * resources.
 */
export { ImageAutomationError, InvalidPolicyError, NoTagSelectedError, isImageAutomationError } from './errors.js';
export { type GoRegexp, GoRegexpSyntaxError, compileGoRegexp } from './go-regexp.js';
export { parseGoFloat } from './go-float.js';
export type {
  PolicyOrder,
  SemverPolicy,
  AlphabeticalPolicy,
  NumericalPolicy,
  CalverPolicy,
  ImagePolicyChoice,
  TagFilter,
  TagSelectionSpec,
} from './policy/types.js';
export { parseTagVersion, compareNatural } from './policy/semver-order.js';
export { type TagSelector, compileTagSelector, selectLatestTag } from './policy/select-latest-tag.js';
export { ImageReferenceError, RegistryAuthError, RegistryRequestError, RegistryNotFoundError, RegistryTimeoutError } from './errors.js';
export { type ImageReference, DEFAULT_REGISTRY, parseImageReference } from './image-reference.js';
export { type AuthChallenge, parseWwwAuthenticate } from './registry/www-authenticate.js';
export { type RegistryCredentials, credentialsFromDockerConfig } from './registry/docker-config.js';
export {
  type RegistryTls,
  type RegistryClientOptions,
  type ManifestDescriptor,
  MANIFEST_MEDIA_TYPES,
  RegistryClient,
  retryAfterMs,
} from './registry/registry-client.js';
export {
  type ImageRef,
  type SetterField,
  type ChangedObject,
  type SetterChange,
  type PolicyRefs,
  SetterError,
  setterValue,
  rewriteSetters,
} from './setters/rewrite-setters.js';
export { type ApplySettersOptions, type SetterResult, applySetters } from './setters/apply-setters.js';
export { type GoTemplate, TemplateError, parseGoTemplate } from './go-template.js';
export {
  DEFAULT_MESSAGE_TEMPLATE,
  type TemplateObject,
  type TemplateChange,
  type CommitTemplateData,
  commitTemplateData,
  renderTemplate,
} from './commit-message.js';
export { TagStore, tagsRevision } from './tag-store.js';
export {
  type ImageRepositorySpec,
  type ScanResult,
  type ImageRepositoryStatus,
  type ImageRepository,
  ImageRepositoryKind,
} from './resources/image-repository.js';
export { type DigestReflectionPolicy, type ImagePolicySpec, type ImagePolicyStatus, type ImagePolicy, ImagePolicyKind } from './resources/image-policy.js';
export {
  type ImageUpdateAutomationSpec,
  type ImageUpdateAutomationStatus,
  type ImageUpdateAutomation,
  ImageUpdateAutomationKind,
} from './resources/image-update-automation.js';
export { DependencyNotReadyError } from './errors.js';
export { type UpdateImagesOptions, type UpdateImagesResult, updateImages, isBranchName } from './update-images.js';
export { SecretReferenceError } from './reconcilers/secrets.js';
export { DEFAULT_EXCLUSION_LIST, ExclusionListError, compileExclusions, scanTags } from './scan-tags.js';
export {
  type ImageRepositoryReconcilerOptions,
  ImageRepositoryReconciler,
  imageRepositoryController,
} from './reconcilers/image-repository-reconciler.js';
export { type ImagePolicyReconcilerOptions, ImagePolicyReconciler, imagePolicyController } from './reconcilers/image-policy-reconciler.js';
export {
  type ImageUpdateAutomationReconcilerOptions,
  ImageUpdateAutomationReconciler,
  imageUpdateAutomationController,
  matchesSelector,
} from './reconcilers/image-update-automation-reconciler.js';
export { type ScanRepositoryOptions, type ScanOutcome, scanRepository } from './stream/scan-repository.js';
export { type LatestTagOutcome, latestTag } from './stream/latest-tag.js';
export { type SetterOutcome, updateSetters } from './stream/update-setters.js';
export { type CommitOutcome, commitAndPush } from './stream/commit-and-push.js';
export { type ImageAutomationControllersOptions, imageAutomationControllers } from './reconcilers/image-automation-controllers.js';
