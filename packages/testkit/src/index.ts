/**
 * @packageDocumentation
 * Test harness for Weft reconcilers: an in-memory Kubernetes API server that
 * client-node and kubectl use unchanged (`startApiServer`), and a real Kubernetes
 * control plane on loopback (etcd, kube-apiserver and, on request, the controller
 * manager, the scheduler and kwok fake nodes), built from Go modules and started per test run.
 *
 * Guides: [testing your reconciler](../../../docs/testing.md),
 * [testing with a real control plane](../../../docs/testing-with-a-real-control-plane.md).
 */
export {
  startControlPlane,
  ControlPlaneStartError,
  type ControlPlane,
  type ControlPlaneComponent,
  type ControlPlaneOptions,
} from './control-plane/control-plane.js';
export {
  controlPlaneVersions,
  binaryCacheDir,
  findControlPlaneBinaries,
  findKustomizeBinary,
  type ControlPlaneBinaries,
  type MissingBinaries,
} from './control-plane/binaries.js';
export { generateControlPlanePki, type ControlPlanePki, type CertifiedKey } from './control-plane/pki.js';
export { freePorts } from './control-plane/ports.js';
export { ManagedProcess, type ManagedProcessOptions, type ProcessExit } from './control-plane/process.js';
export {
  startApiServer,
  ApiServerStartError,
  type InMemoryApiServer,
  type ApiServerOptions,
  type ApiServerSnapshot,
} from './apiserver/api-server.js';
export { FaultInjector, type ApiVerb, type FaultMatch, type ErrorFault, type LatencyFault } from './apiserver/faults.js';
export { StatusError, type StatusBody, type StatusCause } from './apiserver/status-error.js';
export {
  startGitServer,
  type GitServer,
  type GitServerOptions,
  type GitRequestRecord,
  type RepoFile,
  type TestRepo,
} from './git-server/git-server.js';
export { eventually, EventuallyTimeoutError, type EventuallyOptions, type NotYet } from './eventually/eventually.js';
