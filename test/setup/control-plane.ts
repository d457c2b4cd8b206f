import type { TestProject } from 'vitest/node';
import { findControlPlaneBinaries, startControlPlane, type ControlPlane } from '@weft/testkit';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Kubeconfig YAML of the run's real control plane, or null when it could not run here. */
    weftKubeconfig: string | null;
    /** Why the real-cluster tests are skipped, when they are. */
    weftClusterSkipReason: string;
  }
}

/**
 * Starts one real control plane (with controllers and kwok nodes) for the whole
 * run. With CI=true a missing binary or a failed start fails the run; elsewhere
 * the real-cluster tests are skipped with one line saying why.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const inCi = process.env['CI'] === 'true';
  const found = findControlPlaneBinaries();
  if ('missing' in found) {
    const reason = `control-plane binaries not built (missing ${found.missing.join(', ')}); run tools/control-plane/build.sh (needs Go)`;
    if (inCi) throw new Error(`CI=true requires the real control plane: ${reason}`);
    console.warn(`[weft] real-cluster tests skipped: ${reason}`);
    project.provide('weftKubeconfig', null);
    project.provide('weftClusterSkipReason', reason);
    return async () => {};
  }
  const started = Date.now();
  const controlPlane: ControlPlane = await startControlPlane({ controllers: true });
  console.log(`[weft] real control plane (Kubernetes ${controlPlane.versions.kubernetes}) ready at ${controlPlane.server} in ${Date.now() - started} ms`);
  project.provide('weftKubeconfig', controlPlane.kubeconfigYaml);
  project.provide('weftClusterSkipReason', '');
  return () => controlPlane.stop();
}
