/**
 * Public exports of the stream runtime: watch, reflect, schedule, run, controller, manager
 * (explicit, named re-exports; index.ts re-exports this file).
 */
export { type BackoffPolicy, type ExponentialBackoffOptions, exponentialBackoff, backoff } from './backoff.js';
export { type WatchEvent, type WatcherOptions, WatchInactivityError, watch, stripManagedFields } from './watch.js';
export { type WatchTransport, type KubeTransport, type TransportRequest, type RawWatchEvent, type ListPage, kubeTransport } from './client/kube-transport.js';
export { type Store, type StoreWriter, type StoreOptions, type IndexFunction, createStore } from './store.js';
export { reflect } from './reflect.js';
export { type ReconcileRequest, type TriggerOwnersOptions, requestKey, triggerSelf, triggerOwners, triggerWith } from './triggers.js';
export { type Predicate, predicates, anyOf, predicateFilter } from './predicate.js';
export { type ScheduleRequest, type ScheduleOptions, type RetryRateLimiter, type RetryRateLimiterOptions, schedule, retryRateLimiter } from './scheduler.js';
export { type RunOptions, type RunnerHooks, run } from './runner.js';
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
} from './reconciler.js';
export { type ControllerOptions, type ControllerRuntime, type ControllerObserver, ControllerError, Controller, ControllerBuilder, controller } from './controller.js';
export { ControllerMetrics } from './metrics.js';
export { type HealthCheck, type HealthServer, type HealthServerOptions, serveHealth } from './health.js';
export { type LoggingOptions, createLogger, objectLogger } from './logging.js';
export { type ShardSpec, ShardingError, shardLabel, shardSelector, shardOf } from './sharding.js';
export { type ManagerOptions, ManagerError, KindNotServedError, LeadershipLostError, Manager } from './manager.js';
