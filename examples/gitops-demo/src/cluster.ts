/**
 * The cluster the demo delivers to: `@weft/testkit`'s in-memory API server (the default: starts in
 * milliseconds, nothing to install), or a real control plane — etcd, kube-apiserver, the
 * controller manager, the scheduler and kwok fake nodes — where Deployments really roll out.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { findControlPlaneBinaries, startApiServer, startControlPlane } from '@weft/testkit';

/** Which cluster to run against. */
export type ClusterMode = 'in-memory' | 'control-plane';

/** A running cluster, and what a user needs to look at it from another terminal. */
export interface DemoCluster {
  readonly mode: ClusterMode;
  /** One line for the timeline: what runs and where. */
  readonly description: string;
  readonly kubeConfig: KubeConfig;
  readonly kubeconfigPath: string;
  /** A `kubectl` binary, when one is at hand (the control plane's, or one on the PATH). */
  readonly kubectl: string | undefined;
  /**
   * Whether Deployments become Ready here. The in-memory server runs no controllers (no
   * ReplicaSets, no Pods), so there a Deployment never reports available replicas.
   */
  readonly rollsOutDeployments: boolean;
  stop(): Promise<void>;
}

/** Starts the cluster of `mode`. */
export async function startCluster(mode: ClusterMode, signal: AbortSignal): Promise<DemoCluster> {
  const found = findControlPlaneBinaries(['kubectl']);
  const kubectl = 'missing' in found ? undefined : found.kubectl;
  if (mode === 'in-memory') {
    const server = await startApiServer({ signal });
    return {
      mode,
      description: `in-memory API server at ${server.server}`,
      kubeConfig: server.kubeConfig,
      kubeconfigPath: server.kubeconfigPath,
      kubectl,
      rollsOutDeployments: false,
      stop: () => server.stop(),
    };
  }
  const controlPlane = await startControlPlane({ controllers: true, signal });
  return {
    mode,
    description: `real control plane (Kubernetes ${controlPlane.versions.kubernetes}, controllers, kwok nodes) at ${controlPlane.server}`,
    kubeConfig: controlPlane.kubeConfig,
    kubeconfigPath: controlPlane.kubeconfigPath,
    kubectl: controlPlane.binaries.kubectl,
    rollsOutDeployments: true,
    stop: () => controlPlane.stop(),
  };
}
