/**
 * @packageDocumentation
 * The Weft reconciler runtime: list+watch as rxjs streams, a reflector and store,
 * triggers, a scheduler and a concurrency-limited runner around your `Reconciler`,
 * plus a typed client, `defineResource`, lifecycle helpers and observability.
 *
 * The folders follow the flow: `pipeline/` (watch → backoff → reflect → store → predicates →
 * triggers → scheduler → runner), `controller/` (the reconcile contract, the builder, the Manager
 * and what it serves), `lifecycle/` (what a reconciler does to its objects), `client/` (the one
 * HTTP stack to the apiserver), `resource/` (objects, kinds, custom resource definitions).
 *
 * Guides: [getting started](../../../docs/getting-started.md), [concepts](../../../docs/concepts.md),
 * [running in a cluster](../../../docs/running-in-a-cluster.md).
 */

// Foundations: errors, durations, timers.
export { WeftError, isWeftError, errorGuard } from './errors.js';
export { type Duration, parseDuration, formatDuration, InvalidDurationError } from './duration.js';
export { type LongTimeout, type TimeoutSignal, maxTimerDelayMs, setLongTimeout, sleep, timeoutSignal } from './timers.js';

// pipeline/: the stages of a controller, in the order data flows.
export { type WatchEvent, type WatcherOptions, WatchInactivityError, watch, stripManagedFields } from './pipeline/watch.js';
export { type BackoffPolicy, type ExponentialBackoffOptions, exponentialBackoff, backoff } from './pipeline/backoff.js';
export { reflect } from './pipeline/reflect.js';
export { type Store, type StoreWriter, type StoreOptions, type IndexFunction, createStore } from './pipeline/store.js';
export { type Predicate, predicates, anyOf, predicateFilter } from './pipeline/predicate.js';
export { type ReconcileRequest, type TriggerOwnersOptions, requestKey, triggerSelf, triggerOwners, triggerWith } from './pipeline/triggers.js';
export { type ScheduleRequest, type ScheduleOptions, type RetryRateLimiter, type RetryRateLimiterOptions, schedule, retryRateLimiter } from './pipeline/scheduler.js';
export { type RunOptions, type RunnerHooks, run } from './pipeline/runner.js';

// controller/: the reconcile contract, the builder over the pipeline, the Manager.
export {
  type Result,
  type ReconcileContext,
  type ReconcileOutcome,
  type ContextRecorder,
  Reconciler,
  reconcilerFrom,
  done,
  requeueAfter,
  TerminalError,
  isTerminalError,
  ReconcileTimeoutError,
  withTimeout,
} from './controller/reconciler.js';
export { type ControllerOptions, type ControllerRuntime, type ControllerObserver, ControllerError, Controller, ControllerBuilder, controller } from './controller/controller.js';
export { type ManagerOptions, ManagerError, KindNotServedError, LeadershipLostError, Manager } from './controller/manager.js';
export { ControllerMetrics } from './controller/metrics.js';
export { type HealthCheck, type HealthServer, type HealthServerOptions, serveHealth } from './controller/health.js';
export { type LoggingOptions, createLogger, objectLogger } from './controller/logging.js';

// lifecycle/: what a reconciler does to its objects.
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
} from './lifecycle/finalizers.js';
export { type OwnerReference, OwnerReferenceError, AlreadyOwnedError, controllerOwnerRef, setControllerReference, isControlledBy, isOwnedBy } from './lifecycle/owner-references.js';
export {
  type Condition,
  type ConditionStatus,
  type ConditionInput,
  type StatusWithConditions,
  type ObjectWithConditions,
  type MarkOptions,
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
  conditionsSchema,
} from './lifecycle/conditions.js';
export { type KStatus, type KStatusResult, type KStatusObject, computeStatus } from './lifecycle/kstatus.js';
export { type WriteStatusOptions, writeStatus } from './lifecycle/write-status.js';
export {
  EventRecorder,
  EventKind,
  type KubeEvent,
  type EventType,
  type EventInput,
  type EventObjectReference,
  type EventRecorderOptions,
} from './lifecycle/events.js';
export { LeaderElector, LeaderElectionConfigError, type LeaderElectionOptions, type LeaseClient } from './lifecycle/leader-election.js';
export { type ShardSpec, ShardingError, shardLabel, shardSelector, shardOf } from './lifecycle/sharding.js';

// client/: one HTTP stack to the apiserver, for the typed client and the watches alike.
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
  type DeleteOptions,
  type KindLike,
  type StatusOf,
  type StatusPatch,
  type Declared,
  type MergePatchOf,
} from './client/kube-client.js';
// RFC 6902's operation is @weft/merge's (which applies them); the client sends them as a JSON patch body.
export type { JsonPatchOperation } from '@weft/merge';
export { type WatchTransport, type KubeTransport, type TransportRequest, type RawWatchEvent, type ListPage, kubeTransport } from './client/kube-transport.js';
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
export { KubeConfigError } from './client/transport.js';
export { type KubeStatus, type StatusCause, type ApiTarget, describeTarget } from './client/status.js';
export { RestMapper, UnknownKindError, isUnknownKindError, type KindRef, type ApiResource } from './client/rest-mapper.js';
export { type RetryPolicy, defaultRetryPolicy, retryDelay, parseRetryAfter } from './client/retry.js';
export { type ApiWatchEvent } from './client/watch-events.js';

// resource/: objects, kinds, and custom resources defined from one schema.
export { type KubeObject, type ObjectRef, parseApiVersion, objectRef, describeObject, inventoryId, objectKey } from './resource/objects.js';
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
} from './resource/kinds.js';
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
export { type LabelRequirement, type LabelSelector, type LabelSelectorObject, LabelSelectorError, parseLabelSelector } from './resource/label-selector.js';
