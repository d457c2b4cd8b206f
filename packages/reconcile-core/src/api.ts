/**
 * Public exports of the typed client, resource definitions and lifecycle helpers
 * (explicit, named re-exports; index.ts re-exports this file).
 */
export { type KubeObject, type ObjectRef, parseApiVersion, objectRef, describeObject, inventoryId, objectKey } from './objects.js';
export { WeftError, isWeftError } from './errors.js';
export { type Duration, parseDuration, formatDuration, InvalidDurationError } from './duration.js';
export { type LongTimeout, maxTimerDelayMs, setLongTimeout, sleep } from './timers.js';
export {
  type ResourceKind,
  type ObjectOf,
  resourceKind,
  resourcePath,
  ConfigMapKind,
  SecretKind,
  ServiceKind,
  ServiceAccountKind,
  PodKind,
  PersistentVolumeClaimKind,
  NamespaceKind,
  CoreEventKind,
  DeploymentKind,
  ReplicaSetKind,
  StatefulSetKind,
  DaemonSetKind,
  JobKind,
  LeaseKind,
  CustomResourceDefinitionKind,
} from './kinds.js';
export {
  KubeClient,
  ClientUsageError,
  type KubeClientOptions,
  type CallOptions,
  type WriteOptions,
  type ApplyOptions,
  type ObjectOptions,
  type GetOptions,
  type ListOptions,
  type ListResult,
  type WatchOptions,
  type PatchOptions,
  type PatchType,
  type JsonPatchOperation,
  type DeleteOptions,
  type KindLike,
  type StatusOf,
  type StatusPatch,
} from './client/kube-client.js';
export {
  KubeApiError,
  BadRequestError,
  UnauthorizedError,
  ForbiddenError,
  NotFoundError,
  AlreadyExistsError,
  ConflictError,
  GoneError,
  InvalidError,
  TooManyRequestsError,
  ServerError,
  TimeoutError,
  CancelledError,
  ConnectionError,
  apiErrorFromResponse,
  isKubeApiError,
  isBadRequestError,
  isUnauthorizedError,
  isForbiddenError,
  isNotFoundError,
  isAlreadyExistsError,
  isConflictError,
  isGoneError,
  isInvalidError,
  isTooManyRequestsError,
  isServerError,
  isTimeoutError,
  isCancelledError,
  isConnectionError,
  type KubeApiErrorInit,
  type FieldCause,
  type FieldManagerConflict,
} from './client/errors.js';
export { type KubeStatus, type StatusCause, type ApiTarget, describeTarget } from './client/status.js';
export { RestMapper, UnknownKindError, isUnknownKindError, type KindRef, type ApiResource } from './client/rest-mapper.js';
export { type RetryPolicy, defaultRetryPolicy, retryDelay, parseRetryAfter } from './client/retry.js';
export { type ApiWatchEvent } from './client/watch-events.js';
export { KubeConfigError } from './client/transport.js';
export {
  defineResource,
  type ResourceDefinition,
  type DefinedResource,
  type DefinedResourceOf,
  type ResourceObject,
  type PrinterColumn,
  type CustomResourceDefinition,
} from './resource/define-resource.js';
export { ResourceDefinitionError, toCrdSchema, type CrdSchemaProps, type KubeJSONSchema, type KubeSchemaExtension } from './resource/crd-schema.js';
export { ResourceValidationError, type ValidationResult } from './resource/validator.js';
export { installCRDs, CRDNamesNotAcceptedError, type InstallCRDsOptions } from './resource/install-crds.js';
export {
  addFinalizer,
  removeFinalizer,
  hasFinalizer,
  isBeingDeleted,
  reconcileWithFinalizer,
  FinalizerConflictError,
  type FinalizerOptions,
  type FinalizerClient,
  type FinalizerOutcome,
  type ReconcileWithFinalizerOptions,
} from './finalizers.js';
export {
  type Condition,
  type ConditionStatus,
  type ConditionInput,
  type StatusWithConditions,
  type ObjectWithConditions,
  type MarkOptions,
  type KStatus,
  ReadyCondition,
  ReconcilingCondition,
  StalledCondition,
  getCondition,
  setCondition,
  removeCondition,
  isConditionTrue,
  isReady,
  isStalled,
  isReconciling,
  markReconciling,
  markReady,
  markStalled,
  markNotReady,
  computeStatus,
  conditionsSchema,
} from './conditions.js';
export { type OwnerReference, OwnerReferenceError, AlreadyOwnedError, controllerOwnerRef, setControllerReference, isControlledBy, isOwnedBy } from './owner-references.js';
export { type WriteStatusOptions, writeStatus } from './write-status.js';
export { LeaderElector, LeaderElectionConfigError, type LeaderElectionOptions, type LeaseClient } from './leader-election.js';
export {
  EventRecorder,
  EventKind,
  type KubeEvent,
  type EventType,
  type EventInput,
  type EventObjectReference,
  type EventRecorderOptions,
} from './events.js';
