/**
 * Public exports of the typed client, resource definitions and lifecycle helpers
 * (explicit, named re-exports; index.ts re-exports this file).
 */
export { type KubeObject, type ObjectRef, parseApiVersion, objectRef, describeObject, inventoryId, objectKey } from './objects.js';
export { WeftError, isWeftError } from './errors.js';
export { type Duration, parseDuration, formatDuration, InvalidDurationError } from './duration.js';
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
