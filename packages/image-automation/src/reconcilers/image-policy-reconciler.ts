import {
  type ControllerBuilder,
  type ControllerOptions,
  type ReconcileContext,
  type Result,
  Reconciler,
  anyOf,
  controller,
  isNotFoundError,
  markNotReady,
  parseDuration,
  predicates,
  removeCondition,
  requeueAfter,
} from '@weft/reconcile-core';
import { DependencyNotReadyError, isImageAutomationError } from '../errors.js';
import { parseImageReference } from '../image-reference.js';
import { type TagSelector, compileTagSelector } from '../policy/select-latest-tag.js';
import { RegistryClient, type RegistryClientOptions } from '../registry/registry-client.js';
import { type ImagePolicy, ImagePolicyKind, type ImagePolicyStatus } from '../resources/image-policy.js';
import { type ImageRepository, ImageRepositoryKind } from '../resources/image-repository.js';
import type { ImageRef } from '../setters/rewrite-setters.js';
import type { TagStore } from '../tag-store.js';
import { referrers } from './referrers.js';
import { registryOptionsFor } from './secrets.js';
import { StatusUpdate } from './status-update.js';

/** Options of {@link ImagePolicyReconciler}. */
export interface ImagePolicyReconcilerOptions {
  /** The store the ImageRepository reconciler writes (the same instance or directory). */
  readonly tagStore: TagStore;
  /** Makes the registry client of a digest lookup. */
  readonly registryClient?: (options: RegistryClientOptions) => RegistryClient;
}

/**
 * The reconciler of `ImagePolicy` objects: Flux's policy evaluation.
 *
 * @remarks
 * Reads the tags of the referenced ImageRepository from the tag store (Flux's order) and
 * selects with {@link selectLatestTag}; looks the digest up by `HEAD` when
 * `digestReflectionPolicy` is `IfNotPresent` (only when the tag changed or no digest is known)
 * or `Always` (each `interval`); writes `status.latestRef {name, tag, digest}` and, when it
 * changed, moves the previous one to `observedPreviousRef`. `Ready=True` says "Latest image tag
 * for <name> resolved to <tag>" (Flux's message).
 *
 * An invalid policy stalls (`InvalidPolicy`); `Always` without `interval` stalls
 * (`IntervalNotConfigured`); a missing repository or one not scanned yet is `Ready=False`
 * `DependencyNotReady` until the repository's next scan triggers it; no qualifying tag is
 * `Ready=False` and retried. The ImageRepository must be in the policy's namespace (Flux's
 * `accessFrom` cross-namespace grants are not implemented): another namespace is refused with
 * `AccessDenied`.
 *
 * @example
 * ```ts
 * import { imagePolicyController, ImagePolicyReconciler } from '@weft/image-automation';
 * manager.add(imagePolicyController({ namespace: 'apps' }).reconcile(new ImagePolicyReconciler({ tagStore })));
 * ```
 */
export class ImagePolicyReconciler extends Reconciler<ImagePolicy> {
  private readonly options: ImagePolicyReconcilerOptions;
  /** Compiled selectors by object and generation. */
  private readonly selectors = new Map<string, { generation: number | undefined; selector: TagSelector }>();

  constructor(options: ImagePolicyReconcilerOptions) {
    super();
    this.options = options;
  }

  override async reconcile(policy: ImagePolicy, context: ReconcileContext<ImagePolicy>): Promise<Result | void> {
    const { spec } = policy;
    if (spec.suspend) return;
    const update = new StatusUpdate<ImagePolicyStatus>(ImagePolicyKind, policy, context);
    const { namespace } = update;
    /** Ready=False; with an error the runtime retries, without one the ImageRepository's next scan triggers. */
    const fail = async (reason: string, message: string, error?: unknown) => {
      if (error === undefined) {
        // Waiting on the ImageRepository, not retrying: Flux's DependencyNotReady is not Reconciling.
        update.status = markNotReady(update.status, { reason, message, generation: update.generation }) as ImagePolicyStatus;
        update.status.conditions = removeCondition(update.status.conditions, 'Reconciling');
        await update.write();
        return;
      }
      await update.notReady(reason, message);
      throw error;
    };

    const reflection = spec.digestReflectionPolicy ?? 'Never';
    if (reflection === 'Always' && !spec.interval) return update.stall('IntervalNotConfigured', "spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'");
    update.progressing();

    const repositoryNamespace = spec.imageRepositoryRef.namespace ?? namespace;
    if (repositoryNamespace !== namespace) {
      const message = `failed to get the referred ImageRepository: cannot access '${ImageRepositoryKind.kind}/${repositoryNamespace}/${spec.imageRepositoryRef.name}', cross-namespace references are not supported`;
      return fail('AccessDenied', message, new DependencyNotReadyError(`ImagePolicy ${namespace}/${update.name}`, message));
    }
    let repository: ImageRepository;
    try {
      repository = await context.client.get(ImageRepositoryKind, spec.imageRepositoryRef.name, { namespace: repositoryNamespace, signal: context.signal });
    } catch (error) {
      if (!isNotFoundError(error)) throw error;
      return fail('DependencyNotReady', `failed to get the referred ImageRepository: referenced ImageRepository ${repositoryNamespace}/${spec.imageRepositoryRef.name} does not exist`);
    }
    try {
      parseImageReference(repository.spec.image, { insecure: repository.spec.insecure ?? false });
    } catch (error) {
      return update.stall('ImageURLInvalid', (error as Error).message);
    }

    let selector: TagSelector;
    try {
      selector = this.selectorFor(policy);
    } catch (error) {
      return update.stall('InvalidPolicy', `invalid policy: ${(error as Error).message}`);
    }
    const canonicalName = repository.status?.canonicalImageName;
    const tags = canonicalName ? await this.options.tagStore.tags(canonicalName) : [];
    if (tags.length === 0) return fail('DependencyNotReady', 'no tags in database');

    let latest: string;
    try {
      latest = selector.select(tags);
    } catch (error) {
      return fail('Failure', (error as Error).message, error);
    }

    const latestRef: { name: string; tag: string; digest?: string } = { name: repository.spec.image, tag: latest };
    const current = update.status.latestRef;
    const lookUp =
      reflection === 'Always' ||
      (reflection === 'IfNotPresent' && (current === undefined || current.name !== latestRef.name || current.tag !== latestRef.tag || !current.digest));
    if (reflection === 'IfNotPresent' && !lookUp && current?.digest) latestRef.digest = current.digest;
    if (lookUp) {
      try {
        latestRef.digest = await this.digestOf(repository, latest, context);
      } catch (error) {
        if (context.signal.aborted) throw error;
        const reason = isImageAutomationError(error) ? error.reason : 'Failure';
        return fail(reason, `failed fetching digest of ${latestRef.name}:${latestRef.tag}: ${(error as Error).message}`, error);
      }
    }
    if (!sameRef(current, latestRef)) {
      if (current) update.status.observedPreviousRef = current;
      update.status.latestRef = latestRef;
    }
    await update.ready(readyMessage(update.status.latestRef!, update.status.observedPreviousRef));
    return reflection === 'Always' ? requeueAfter(parseDuration(spec.interval!)) : undefined;
  }

  private selectorFor(policy: ImagePolicy): TagSelector {
    const key = `${policy.metadata.namespace}/${policy.metadata.name}`;
    const cached = this.selectors.get(key);
    if (cached && cached.generation === policy.metadata.generation && cached.generation !== undefined) return cached.selector;
    const selector = compileTagSelector({ policy: policy.spec.policy, ...(policy.spec.filterTags ? { filterTags: policy.spec.filterTags } : {}) });
    this.selectors.set(key, { generation: policy.metadata.generation, selector });
    return selector;
  }

  private async digestOf(repository: ImageRepository, tag: string, context: ReconcileContext<ImagePolicy>): Promise<string> {
    const reference = parseImageReference(repository.spec.image, { insecure: repository.spec.insecure ?? false });
    const options = await registryOptionsFor(context.client, repository, reference, context.signal);
    const client = this.options.registryClient ? this.options.registryClient(options) : new RegistryClient(options);
    try {
      return (await client.headManifest(reference, tag, { signal: context.signal })).digest;
    } finally {
      await client.close();
    }
  }
}

function sameRef(a: ImageRef | undefined, b: ImageRef): boolean {
  return a !== undefined && a.name === b.name && a.tag === b.tag && (a.digest ?? '') === (b.digest ?? '');
}

/** Flux's Ready message of an ImagePolicy. */
function readyMessage(latest: ImageRef, previous: ImageRef | undefined): string {
  let message = `Latest image tag for ${latest.name} resolved to ${latest.tag}`;
  if (latest.digest) message += ` with digest ${latest.digest}`;
  if (previous && !sameRef(previous, latest)) message += ` (previously ${previous.name}:${previous.tag}${previous.digest ? `@${previous.digest}` : ''})`;
  return message;
}

/**
 * The controller builder for ImagePolicy objects: reconciles on a new generation or a
 * reconcile request, and when a referenced ImageRepository's scan result changes.
 *
 * @example
 * ```ts
 * import { imagePolicyController, ImagePolicyReconciler } from '@weft/image-automation';
 * imagePolicyController({ kubeConfig, namespace: 'apps' }).reconcile(new ImagePolicyReconciler({ tagStore })).subscribe();
 * ```
 */
export function imagePolicyController(options: ControllerOptions<ImagePolicy> = {}): ControllerBuilder<ImagePolicy> {
  return controller(ImagePolicyKind, { name: 'imagepolicy', predicate: anyOf(predicates.generation, predicates.annotations), ...options }).watches(
    ImageRepositoryKind,
    (repository, policies) =>
      referrers(
        policies,
        (policy) =>
          policy.spec.imageRepositoryRef.name === repository.metadata.name &&
          (policy.spec.imageRepositoryRef.namespace ?? policy.metadata.namespace) === repository.metadata.namespace,
      ),
    { predicate: (repository) => JSON.stringify([repository.status?.lastScanResult?.revision ?? null, repository.status?.canonicalImageName ?? null]) },
  );
}
