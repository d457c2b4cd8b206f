import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Duration, ShardSpec } from '@weft/reconcile-core';
import type { Logger } from 'pino';
import {
  type CustomResourceDefinition,
  type HealthServer,
  type ReconcileOutcome,
  EventRecorder,
  KubeClient,
  Manager,
  createLogger,
  installCRDs,
  serveHealth,
} from '@weft/reconcile-core';
import { ArtifactStorage, GitRepositoryKind, GitRepositoryReconciler, gitRepositoryController } from '@weft/git-source';
import type { DriftEvent } from '@weft/drift';
import { ArtifactReader } from './artifact/artifact-reader.js';
import { KustomizationKind } from './kustomization/kustomization.js';
import { kustomizationController } from './kustomization/controller.js';
import { KustomizationReconciler } from './kustomization/reconciler.js';

/** Options of {@link createGitOpsManager}. */
export interface GitOpsOperatorOptions {
  /** The cluster (`@kubernetes/client-node`): in-cluster, a kubeconfig file, or the in-memory API server's. */
  kubeConfig: KubeConfig;
  /** Where GitRepository artifacts (and git caches) are stored. */
  storageDir: string;
  /** Watch one namespace. @defaultValue all namespaces */
  namespace?: string;
  /** Run only while holding this Lease; the timings default to reconcile-core's (15s, 10s, 2s). @defaultValue false */
  leaderElection?: { name: string; namespace: string; leaseDuration?: Duration; renewDeadline?: Duration; retryPeriod?: Duration } | false;
  /** Serve only this shard's GitRepositories and Kustomizations (Flux's `sharding.fluxcd.io/key`); label both kinds. @defaultValue all */
  shard?: ShardSpec;
  /** Serve Prometheus `/metrics` (and probes) on this port; 0 picks a free one. Absent: none. */
  metrics?: { port: number; host?: string };
  /** Serve `/healthz` and `/readyz` on this port; 0 picks a free one. Absent: none (the metrics port serves them too). */
  health?: { port: number; host?: string };
  /** A pino logger. @defaultValue reconcile-core's {@link createLogger} */
  logger?: Logger;
  /** Receives every reconcile outcome of both controllers. */
  onOutcome?: (outcome: ReconcileOutcome) => void;
  /** Receives every drift event (`namespace/name` of the Kustomization). */
  onDrift?: (kustomization: string, event: DriftEvent) => void;
  /** Kustomizations reconciled at once. @defaultValue 4 (Flux's `--concurrent`) */
  kustomizationConcurrency?: number;
  /** GitRepositories reconciled at once. @defaultValue 2 */
  gitRepositoryConcurrency?: number;
  /** Watch applied objects for drift between intervals. @defaultValue true */
  driftWatch?: boolean;
  /** How often health checks read the objects they wait on. @defaultValue '1s' */
  healthPollInterval?: string;
  /** Record Kubernetes Events on the Kustomizations and GitRepositories. @defaultValue true */
  events?: boolean;
  /** Stop on SIGTERM/SIGINT. @defaultValue true */
  handleSignals?: boolean;
  /** How long in-flight reconciles may take to finish on shutdown. @defaultValue '30s' */
  gracefulShutdownTimeout?: string;
}

/** The {@link Manager} {@link createGitOpsManager} returns: also closes drift watches, events and the health port. */
class GitOpsManager extends Manager {
  private healthServer: HealthServer | undefined;

  constructor(
    private readonly gitops: GitOpsOperatorOptions,
    managerLogger: Logger,
    private readonly kustomizations: KustomizationReconciler,
    private readonly recorder: EventRecorder | undefined,
    private readonly recorderClient: KubeClient | undefined,
  ) {
    super({
      kubeConfig: gitops.kubeConfig,
      logger: managerLogger,
      ...(gitops.metrics ? { metrics: gitops.metrics } : {}),
      ...(gitops.leaderElection ? { leaderElection: gitops.leaderElection } : {}),
      ...(gitops.shard !== undefined ? { shard: gitops.shard } : {}),
      ...(gitops.onOutcome ? { onOutcome: gitops.onOutcome } : {}),
      ...(recorder ? { recorder } : {}),
      ...(gitops.handleSignals !== undefined ? { handleSignals: gitops.handleSignals } : {}),
      ...(gitops.gracefulShutdownTimeout ? { gracefulShutdownTimeout: gitops.gracefulShutdownTimeout } : {}),
    });
  }

  /** The port of the separate health server, once started. */
  get healthProbePort(): number | undefined {
    return this.healthServer?.port;
  }

  override async start(options: { signal?: AbortSignal } = {}): Promise<void> {
    try {
      if (this.gitops.health) {
        this.healthServer = await serveHealth({ port: this.gitops.health.port, host: this.gitops.health.host, ready: () => this.ready });
        this.logger.info({ port: this.healthServer.port }, 'serving health probes');
      }
      await super.start(options);
    } finally {
      this.kustomizations.close();
      await this.healthServer?.close();
      await this.recorder?.close();
      this.recorderClient?.close();
    }
  }
}

/**
 * The GitOps operator as a reconcile-core {@link Manager}: git-source's GitRepository controller
 * and the Kustomization controller, sharing one artifact storage, with events, metrics, health
 * probes and (optionally) leader election.
 *
 * @remarks
 * The Kustomization reconciler reads artifacts in process from the GitRepository reconciler's
 * storage (`storageDir/artifacts`), falling back to `status.artifact.url` (a `file://` URL by
 * default) when another replica wrote them. The CRDs must be installed first
 * ({@link installGitOpsCrds}). Call `start({ signal })` to run it; it resolves after a graceful
 * shutdown.
 * `start()` rejects as reconcile-core's `Manager.start` does.
 * @example
 * ```ts
 * import { createGitOpsManager, installGitOpsCrds } from '@weft/delivery';
 *
 * await installGitOpsCrds(kubeConfig, { signal });
 * const running = createGitOpsManager({ kubeConfig, storageDir, namespace: 'default', handleSignals: false }).start({ signal });
 * ```
 */
export function createGitOpsManager(options: GitOpsOperatorOptions): Manager & { readonly healthProbePort: number | undefined } {
  const logger = options.logger ?? createLogger();
  const storage = new ArtifactStorage(join(options.storageDir, 'artifacts'));
  const kustomizations = new KustomizationReconciler({
    artifacts: new ArtifactReader({ storage }),
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    ...(options.driftWatch !== undefined ? { driftWatch: options.driftWatch } : {}),
    ...(options.onDrift ? { onDrift: options.onDrift } : {}),
    ...(options.healthPollInterval ? { healthPollInterval: options.healthPollInterval } : {}),
  });
  const recorderClient = options.events === false ? undefined : new KubeClient(options.kubeConfig);
  const recorder = recorderClient
    ? new EventRecorder(recorderClient, {
        reportingController: 'weft.dev/gitops-operator',
        onError: (error, event) => logger.debug({ err: error, reason: event.reason }, 'event not recorded'),
      })
    : undefined;
  const manager = new GitOpsManager(options, logger, kustomizations, recorder, recorderClient);
  const namespace = options.namespace !== undefined ? { namespace: options.namespace } : {};
  manager.add(
    gitRepositoryController({ ...namespace, concurrency: options.gitRepositoryConcurrency ?? 2 }).reconcile(
      new GitRepositoryReconciler({ storage, cacheDir: join(options.storageDir, 'cache') }),
    ),
  );
  manager.add(kustomizationController({ ...namespace, concurrency: options.kustomizationConcurrency ?? 4 }).reconcile(kustomizations));
  return manager;
}

/**
 * Installs (server-side applies) the GitRepository and Kustomization CRDs and waits until both
 * are served.
 *
 * @throws reconcile-core's `CRDNamesNotAcceptedError`, `TimeoutError`, `CancelledError` or another `KubeApiError`.
 * @example
 * ```ts
 * import { installGitOpsCrds } from '@weft/delivery';
 *
 * await installGitOpsCrds(kubeConfig, { signal: AbortSignal.timeout(60_000) });
 * ```
 */
export async function installGitOpsCrds(kubeConfig: KubeConfig, options: { signal?: AbortSignal } = {}): Promise<void> {
  const client = new KubeClient(kubeConfig);
  try {
    await installCRDs(client, [GitRepositoryKind, KustomizationKind], { signal: options.signal, fieldManager: 'weft-gitops-operator' });
  } finally {
    client.close();
  }
}

/**
 * The CRDs the GitOps operator serves (GitRepository, Kustomization), as {@link installGitOpsCrds}
 * installs them: what a `deploy/crds.yaml` is generated from.
 *
 * @example
 * ```ts
 * import { gitOpsCrds } from '@weft/delivery';
 *
 * console.log(gitOpsCrds.map((crd) => crd.metadata.name)); // [ 'gitrepositories.source.weft.dev', 'kustomizations.kustomize.weft.dev' ]
 * ```
 */
export const gitOpsCrds: readonly CustomResourceDefinition[] = [GitRepositoryKind.crd, KustomizationKind.crd];
