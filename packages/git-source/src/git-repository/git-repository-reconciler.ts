import { join } from 'node:path';
import { tmpdir } from 'node:os';
import {
  type ReconcileContext,
  type Result,
  Reconciler,
  SecretKind,
  controller,
  type ControllerBuilder,
  type ControllerOptions,
  requeueAfter,
  isNotFoundError,
  parseDuration,
  removeCondition,
  setCondition,
} from '@weft/reconcile-core';
import { type GitArtifact, type IncludedArtifact, fetchArtifact } from '../artifact/artifact.js';
import { GitSourceError, isGitSourceError } from '../errors.js';
import { redactSecrets } from '../redact.js';
import { type GitRepository, GitRepositoryKind, type GitRepositoryStatus } from './git-repository.js';
import { ArtifactStorage } from '../artifact/storage.js';
import { type GitAuth, authFromSecretData } from '../protocol/transport.js';

/** Options of {@link GitRepositoryReconciler}. */
export interface GitRepositoryReconcilerOptions {
  /** Where artifacts are stored; default `$TMPDIR/weft-git-source/artifacts`. */
  storage?: ArtifactStorage;
  /** Persistent git caches; default `$TMPDIR/weft-git-source/cache`. */
  cacheDir?: string;
  /** How `status.artifact.url` is formed (e.g. from {@link serveArtifacts}); default a `file://` URL. */
  artifactUrl?: (artifact: GitArtifact) => string;
  /** Called with each new artifact: the in-process handoff to other stages. */
  onArtifact?: (repository: GitRepository, artifact: GitArtifact) => void;
}

/** A reference from a GitRepository to a Secret or another GitRepository that could not be read. */
class DependencyError extends GitSourceError {
  override name = 'DependencyError';
}

/**
 * The reconciler of `GitRepository` objects: Flux's source-controller behaviour on top of
 * {@link fetchArtifact}.
 *
 * @remarks
 * Each reconcile reads the Secrets it names, fetches (or, when the remote ref has not moved,
 * only lists refs), archives and writes `status`: `artifact` (revision in Flux's form,
 * `sha256:` digest, size, time, path, url), `observedGeneration` and kstatus conditions —
 * `Ready`, `Reconciling`, `ArtifactInStorage`, `SourceVerified`, and `FetchFailed` /
 * `IncludeUnavailable` / `StorageOperationFailed` while failing. On failure the last good artifact stays in status and
 * the error is rethrown, so the runtime retries with backoff. Credentials never enter
 * status, events or logs. Suspended objects are left alone.
 *
 * @example
 * ```ts
 * import { GitRepositoryReconciler, gitRepositoryController } from '@weft/git-source';
 * manager.add(gitRepositoryController({ namespace: 'flux-system' }).reconcile(new GitRepositoryReconciler({ storage })));
 * ```
 */
export class GitRepositoryReconciler extends Reconciler<GitRepository> {
  private readonly storage: ArtifactStorage;
  private readonly cacheDir: string;
  private readonly options: GitRepositoryReconcilerOptions;
  /** The latest artifact of each object, for skipping unchanged polls and for includes. */
  private readonly artifacts = new Map<string, GitArtifact>();

  constructor(options: GitRepositoryReconcilerOptions = {}) {
    super();
    this.options = options;
    this.storage = options.storage ?? new ArtifactStorage(join(tmpdir(), 'weft-git-source', 'artifacts'));
    this.cacheDir = options.cacheDir ?? join(tmpdir(), 'weft-git-source', 'cache');
  }

  /** The latest artifact this reconciler produced for a GitRepository (`namespace/name`). */
  artifactOf(key: string): GitArtifact | undefined {
    return this.artifacts.get(key);
  }

  override async reconcile(repository: GitRepository, context: ReconcileContext<GitRepository>): Promise<Result | void> {
    const { spec } = repository;
    if (spec.suspend) return;
    const namespace = repository.metadata.namespace ?? 'default';
    const name = repository.metadata.name ?? '';
    const key = `${namespace}/${name}`;
    const generation = repository.metadata.generation;
    const interval = parseDuration(spec.interval);
    let status: GitRepositoryStatus = { ...(repository.status ?? {}) };
    const writeStatus = async () => {
      await context.client.patchStatus(GitRepositoryKind, name, { status }, { namespace, signal: context.signal });
    };

    if (status.observedGeneration !== generation || status.artifact === undefined) {
      status.conditions = setCondition(
        status.conditions,
        { type: 'Reconciling', status: 'True', reason: 'Progressing', message: `reconciling new object generation (${generation ?? 0})`, observedGeneration: generation },
      );
    }
    try {
      const auth = spec.secretRef ? await this.readAuth(context, namespace, spec.secretRef.name, spec.url) : undefined;
      const publicKeys = spec.verify ? await this.readKeys(context, namespace, spec.verify.secretRef.name, spec.url) : undefined;
      const include = this.includes(repository);
      const previous = this.artifacts.get(key);
      const { artifact, changed } = await fetchArtifact(
        {
          url: spec.url,
          ...(spec.ref ? { ref: spec.ref } : {}),
          ...(auth ? { auth } : {}),
          ...(spec.timeout ? { timeout: spec.timeout } : {}),
          ...(spec.ignore !== undefined ? { ignore: spec.ignore } : {}),
          ...(include.length > 0 ? { include } : {}),
          ...(spec.verify && publicKeys ? { verify: { mode: spec.verify.mode ?? 'HEAD', publicKeys } } : {}),
          ...(spec.recurseSubmodules !== undefined ? { recurseSubmodules: spec.recurseSubmodules } : {}),
          cacheDir: this.cacheDir,
          storage: this.storage,
          sourceKey: `gitrepository/${key}`,
        },
        { ...(previous ? { previous } : {}), signal: context.signal },
      );
      this.artifacts.set(key, artifact);
      const message = `stored artifact for revision '${artifact.revision}'`;
      status = {
        ...status,
        observedGeneration: generation ?? 0,
        artifact: {
          revision: artifact.revision,
          digest: artifact.digest,
          size: artifact.size,
          lastUpdateTime: artifact.lastUpdateTime.replace(/\.\d+Z$/, 'Z'),
          path: artifact.path,
          url: this.options.artifactUrl ? this.options.artifactUrl(artifact) : `file://${artifact.file}`,
        },
        ...(spec.ignore !== undefined ? { observedIgnore: spec.ignore } : {}),
        ...(requestedAt(repository) !== undefined ? { lastHandledReconcileAt: requestedAt(repository)! } : {}),
        ...(spec.verify ? { sourceVerificationMode: spec.verify.mode ?? 'HEAD' } : {}),
      };
      let conditions = removeCondition(status.conditions, 'Reconciling', 'FetchFailed', 'IncludeUnavailable', 'StorageOperationFailed', 'Stalled', 'ArtifactOutdated');
      conditions = setCondition(conditions, { type: 'ArtifactInStorage', status: 'True', reason: 'Succeeded', message, observedGeneration: generation });
      if (spec.verify) {
        conditions = setCondition(
          conditions,
          { type: 'SourceVerified', status: 'True', reason: 'Succeeded', message: `verified signature of revision ${artifact.revision}`, observedGeneration: generation },
        );
      } else conditions = removeCondition(conditions, 'SourceVerified');
      conditions = setCondition(conditions, { type: 'Ready', status: 'True', reason: 'Succeeded', message, observedGeneration: generation });
      status.conditions = conditions;
      await writeStatus();
      if (changed) {
        context.recorder?.event(repository, 'Normal', 'NewArtifact', message);
        this.options.onArtifact?.(repository, artifact);
      }
      return requeueAfter(interval);
    } catch (error) {
      if (context.signal.aborted) throw error;
      const failure = isGitSourceError(error) ? error : undefined;
      const reason = failure?.reason ?? 'GitOperationFailed';
      // GitSourceErrors are already free of credentials; anything else is cleaned here.
      const message = redactSecrets(error instanceof Error ? error.message : String(error), spec.url);
      const type = reason === 'IncludeUnavailable' ? 'IncludeUnavailable' : reason === 'ArchiveOperationFailed' ? 'StorageOperationFailed' : 'FetchFailed';
      let conditions = removeCondition(status.conditions, 'FetchFailed', 'IncludeUnavailable', 'StorageOperationFailed');
      conditions = setCondition(conditions, { type, status: 'True', reason, message, observedGeneration: generation });
      conditions = setCondition(conditions, { type: 'Ready', status: 'False', reason, message, observedGeneration: generation });
      conditions = setCondition(
        conditions,
        { type: 'Reconciling', status: 'True', reason: 'ProgressingWithRetry', message: `retrying after failure: ${reason}`, observedGeneration: generation },
      );
      if (reason === 'InvalidCommitSignature') {
        conditions = setCondition(conditions, { type: 'SourceVerified', status: 'False', reason: 'Failed', message, observedGeneration: generation });
      }
      status.conditions = conditions;
      await writeStatus();
      context.recorder?.event(repository, 'Warning', reason, message);
      throw error;
    }
  }

  private includes(repository: GitRepository): IncludedArtifact[] {
    const namespace = repository.metadata.namespace ?? 'default';
    return (repository.spec.include ?? []).map((include) => {
      const artifact = this.artifacts.get(`${namespace}/${include.repository.name}`);
      if (artifact === undefined) {
        throw new DependencyError(repository.spec.url, `included GitRepository ${namespace}/${include.repository.name} has no artifact yet`, {
          reason: 'IncludeUnavailable',
          retryable: true,
        });
      }
      return {
        artifact,
        toPath: include.toPath ?? include.repository.name,
        ...(include.fromPath !== undefined ? { fromPath: include.fromPath } : {}),
      };
    });
  }

  private async readSecret(context: ReconcileContext<GitRepository>, namespace: string, name: string, url: string): Promise<Record<string, string>> {
    try {
      const secret = await context.client.get(SecretKind, name, { namespace, signal: context.signal });
      return (secret as { data?: Record<string, string> }).data ?? {};
    } catch (error) {
      if (isNotFoundError(error)) {
        throw new DependencyError(url, `secret ${namespace}/${name} not found`, { reason: 'AuthenticationFailed', retryable: true });
      }
      throw error;
    }
  }

  private async readAuth(context: ReconcileContext<GitRepository>, namespace: string, name: string, url: string): Promise<GitAuth> {
    return authFromSecretData(await this.readSecret(context, namespace, name, url));
  }

  private async readKeys(context: ReconcileContext<GitRepository>, namespace: string, name: string, url: string): Promise<string[]> {
    const data = await this.readSecret(context, namespace, name, url);
    return Object.values(data).map((value) => Buffer.from(value, 'base64').toString('utf8'));
  }
}

/** The manual reconcile request: `reconcile.weft.dev/requestedAt`, or Flux's `reconcile.fluxcd.io/requestedAt`. */
function requestedAt(repository: GitRepository): string | undefined {
  const annotations = repository.metadata.annotations ?? {};
  return annotations['reconcile.weft.dev/requestedAt'] ?? annotations['reconcile.fluxcd.io/requestedAt'];
}

/**
 * The controller builder for GitRepository objects: reconciles each object and, when one
 * changes, the objects in its namespace that include it.
 *
 * @example
 * ```ts
 * import { GitRepositoryReconciler, gitRepositoryController } from '@weft/git-source';
 * gitRepositoryController({ kubeConfig, namespace: 'apps' }).reconcile(new GitRepositoryReconciler()).subscribe();
 * ```
 */
export function gitRepositoryController(options: ControllerOptions<GitRepository> = {}): ControllerBuilder<GitRepository> {
  return controller(GitRepositoryKind, { name: 'gitrepository', ...options }).watches(GitRepositoryKind, (changed, store) =>
    store
      .list()
      .filter(
        (candidate) =>
          candidate.metadata.namespace === changed.metadata.namespace &&
          (candidate.spec.include ?? []).some((include) => include.repository.name === changed.metadata.name),
      )
      .map((candidate) => ({ namespace: candidate.metadata.namespace ?? 'default', name: candidate.metadata.name ?? '' })),
  );
}
