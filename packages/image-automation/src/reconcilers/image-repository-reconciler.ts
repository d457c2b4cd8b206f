import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ControllerBuilder,
  type ControllerOptions,
  type ReconcileContext,
  type Result,
  Reconciler,
  anyOf,
  controller,
  getCondition,
  markReady,
  markReconciling,
  parseDuration,
  predicates,
  requeueAfter,
} from '@weft/reconcile-core';
import { isImageAutomationError } from '../errors.js';
import { type ImageReference, parseImageReference } from '../image-reference.js';
import { RegistryClient, type RegistryClientOptions } from '../registry/registry-client.js';
import { type ImageRepository, ImageRepositoryKind, type ImageRepositoryStatus } from '../resources/image-repository.js';
import { DEFAULT_EXCLUSION_LIST, compileExclusions, scanTags } from '../scan-tags.js';
import { TagStore } from '../tag-store.js';
import { requestedAt } from './requested-at.js';
import { registryOptionsFor } from './secrets.js';
import { StatusUpdate } from './status-update.js';

/** How many tags `status.lastScanResult.latestTags` shows. */
const LATEST_TAGS_COUNT = 10;

/** Options of {@link ImageRepositoryReconciler}. */
export interface ImageRepositoryReconcilerOptions {
  /** Where scanned tags are kept between scans and restarts; default `$TMPDIR/weft-image-automation/tags`. */
  readonly tagStore?: TagStore;
  /** Makes the registry client of a scan (tests use it to wrap or count). */
  readonly registryClient?: (options: RegistryClientOptions) => RegistryClient;
}

/**
 * The reconciler of `ImageRepository` objects: Flux's image-reflector-controller scanning.
 *
 * @remarks
 * A reconcile scans when the repository was never scanned, a reconcile was requested
 * (`reconcile.weft.dev/requestedAt` or Flux's annotation), the image or the exclusion list
 * changed, the tag store has nothing for the image, the last scan failed, or `interval` has passed; otherwise it
 * only requeues for the next scan. A scan lists every tag, drops those matching
 * `exclusionList` (Go regexps, default `^.*\.sig$`), stores the rest (descending by name, as
 * Flux) and writes `status.lastScanResult {revision, tagCount, scanTime, latestTags}`,
 * `canonicalImageName` and `observedExclusionList`, with `Ready=True` ("successful scan: found
 * N tags with checksum R").
 *
 * When the registry fails, the stored tags and the last scan result stay in use (the policies
 * keep working) and `Ready=False` (`ReadOperationFailed`, or `AuthenticationFailed`) says why;
 * the error is rethrown so the runtime retries with backoff. An invalid `image` stalls the
 * object (`ImageURLInvalid`). Credentials never enter status, events, logs or errors.
 *
 * @example
 * ```ts
 * import { imageRepositoryController, ImageRepositoryReconciler } from '@weft/image-automation';
 * manager.add(imageRepositoryController({ namespace: 'apps' }).reconcile(new ImageRepositoryReconciler({ tagStore })));
 * ```
 */
export class ImageRepositoryReconciler extends Reconciler<ImageRepository> {
  readonly tagStore: TagStore;
  private readonly options: ImageRepositoryReconcilerOptions;

  constructor(options: ImageRepositoryReconcilerOptions = {}) {
    super();
    this.options = options;
    this.tagStore = options.tagStore ?? new TagStore(join(tmpdir(), 'weft-image-automation', 'tags'));
  }

  override async reconcile(repository: ImageRepository, context: ReconcileContext<ImageRepository>): Promise<Result | void> {
    const { spec } = repository;
    if (spec.suspend) return;
    const update = new StatusUpdate<ImageRepositoryStatus>(ImageRepositoryKind, repository, context);
    let reference: ImageReference;
    try {
      reference = parseImageReference(spec.image, { insecure: spec.insecure ?? false });
    } catch (error) {
      return update.stall('ImageURLInvalid', (error as Error).message);
    }

    const exclusionList = spec.exclusionList && spec.exclusionList.length > 0 ? spec.exclusionList : [...DEFAULT_EXCLUSION_LIST];
    const requested = requestedAt(repository);
    const scan = await this.scanReason(repository, reference, exclusionList, requested);
    if (scan.reason === undefined) {
      const result = update.status.lastScanResult!;
      update.status = markReady(update.status, { reason: 'Succeeded', message: readyMessage(result.tagCount, result.revision), generation: update.generation }) as ImageRepositoryStatus;
      const { before, status } = update;
      if (JSON.stringify(status.conditions) !== JSON.stringify(before.conditions) || status.observedGeneration !== before.observedGeneration) await update.write();
      return requeueAfter(scan.next);
    }

    update.status = markReconciling(update.status, { reason: 'Progressing', message: `scanning: ${scan.reason}`, generation: update.generation }) as ImageRepositoryStatus;
    await update.write();
    try {
      const exclusions = compileExclusions(exclusionList);
      const clientOptions = await registryOptionsFor(context.client, repository, reference, context.signal);
      const client = this.options.registryClient ? this.options.registryClient(clientOptions) : new RegistryClient(clientOptions);
      let tags: string[];
      try {
        tags = await scanTags(client, reference, exclusions, context.signal);
      } finally {
        await client.close();
      }
      const revision = await this.tagStore.setTags(reference.canonicalName, tags);
      update.status = {
        ...update.status,
        lastScanResult: {
          revision,
          tagCount: tags.length,
          scanTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          ...(tags.length > 0 ? { latestTags: tags.slice(0, LATEST_TAGS_COUNT) } : {}),
        },
        canonicalImageName: reference.canonicalName,
        observedExclusionList: exclusionList,
      };
      await update.ready(readyMessage(tags.length, revision));
      return requeueAfter(parseDuration(spec.interval));
    } catch (error) {
      if (context.signal.aborted) throw error;
      await update.notReady(isImageAutomationError(error) ? error.reason : 'ReadOperationFailed', `scan failed: ${(error as Error).message}`);
      throw error;
    }
  }

  /** Why to scan now, or when the next scan is due. */
  private async scanReason(
    repository: ImageRepository,
    reference: ImageReference,
    exclusionList: readonly string[],
    requested: string | undefined,
  ): Promise<{ reason: string; next?: undefined } | { reason: undefined; next: number }> {
    const status = repository.status ?? {};
    const last = status.lastScanResult;
    if (!last?.scanTime) return { reason: 'first scan' };
    if (requested !== undefined && requested !== status.lastHandledReconcileAt) return { reason: 'reconcile requested' };
    if (status.canonicalImageName !== reference.canonicalName) return { reason: 'new image name' };
    const observed = status.observedExclusionList ?? [];
    if (observed.length !== exclusionList.length || !exclusionList.every((pattern) => observed.includes(pattern))) return { reason: 'updated exclusion list' };
    if ((await this.tagStore.tags(reference.canonicalName)).length === 0) return { reason: 'no tags in database' };
    // Flux would mark a failed repository Ready again from the old result on its retry; Weft scans again.
    if (getCondition(status.conditions, 'Ready')?.status === 'False') return { reason: 'retrying after a failed scan' };
    const next = parseDuration(repository.spec.interval) - (Date.now() - Date.parse(last.scanTime));
    if (next < 1000) return { reason: 'triggered by interval' };
    return { reason: undefined, next };
  }
}

function readyMessage(count: number, revision: string): string {
  return `successful scan: found ${count} tags with checksum ${revision}`;
}

/**
 * The controller builder for ImageRepository objects: reconciles on a new generation or a
 * reconcile request (not on its own status writes); the interval requeues.
 *
 * @example
 * ```ts
 * import { imageRepositoryController, ImageRepositoryReconciler } from '@weft/image-automation';
 * imageRepositoryController({ kubeConfig, namespace: 'apps' }).reconcile(new ImageRepositoryReconciler()).subscribe();
 * ```
 */
export function imageRepositoryController(options: ControllerOptions<ImageRepository> = {}): ControllerBuilder<ImageRepository> {
  return controller(ImageRepositoryKind, { name: 'imagerepository', predicate: anyOf(predicates.generation, predicates.annotations), ...options });
}
