/**
 * The GitOps operator of `@weft/delivery` (`createGitOpsManager`), run in this process as a user's own program
 * would run it: install the CRDs, create the manager, start it, stop it with an AbortSignal.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { createGitOpsManager, installGitOpsCrds } from '@weft/delivery';
import { type Manager, createLogger } from '@weft/reconcile-core';
import { narrateDrift } from './narrate.js';
import type { Timeline } from './timeline.js';

/** A running operator. */
export interface RunningOperator {
  /** The operator's Manager (the web view reads its caches). */
  readonly manager: Manager;
  /** Stops the controllers (in-flight reconciles get a few seconds) and removes the artifact storage. */
  stop(): Promise<void>;
}

/**
 * Installs the GitRepository and Kustomization CRDs and starts both controllers, watching `namespace`.
 * `onFailure` hears of the operator stopping by itself (it never should).
 */
export async function startOperator(
  kubeConfig: KubeConfig,
  options: { namespace: string; timeline: Timeline; verbose: boolean; onFailure: (error: unknown) => void; signal: AbortSignal },
): Promise<RunningOperator> {
  await installGitOpsCrds(kubeConfig, { signal: options.signal });
  const storageDir = await mkdtemp(join(tmpdir(), 'weft-demo-'));
  const manager = createGitOpsManager({
    kubeConfig,
    storageDir,
    namespace: options.namespace,
    // The timeline tells the story from the statuses; the operator's JSON log is there on request.
    logger: createLogger({ level: options.verbose ? 'info' : 'fatal', destination: { write: (line: string) => process.stderr.write(line) } }),
    onDrift: narrateDrift(options.timeline),
    // The demo handles Ctrl-C itself, to stop the git server and the cluster too.
    handleSignals: false,
    gracefulShutdownTimeout: '5s',
  });
  const stopping = new AbortController();
  const running = manager.start({ signal: stopping.signal });
  running.catch(options.onFailure);
  return {
    manager,
    async stop() {
      stopping.abort();
      await running.catch(() => undefined);
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}
