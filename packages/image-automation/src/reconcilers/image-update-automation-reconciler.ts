import { type GitAuth, type GitRepository, GitRepositoryKind, authFromSecretData, isGitSourceError } from '@weft/git-source';
import {
  type ControllerBuilder,
  type ControllerOptions,
  type ReconcileContext,
  type Result,
  Reconciler,
  anyOf,
  controller,
  isNotFoundError,
  type LabelSelectorObject,
  LabelSelectorError,
  parseDuration,
  parseLabelSelector,
  predicates,
  requeueAfter,
} from '@weft/reconcile-core';
import { DependencyNotReadyError, isImageAutomationError } from '../errors.js';
import { type ImagePolicy, ImagePolicyKind } from '../resources/image-policy.js';
import { type ImageUpdateAutomation, ImageUpdateAutomationKind, type ImageUpdateAutomationStatus } from '../resources/image-update-automation.js';
import type { ImageRef } from '../setters/rewrite-setters.js';
import { type UpdateImagesOptions, type UpdateImagesResult, updateImages } from '../update-images.js';
import { referrers } from './referrers.js';
import { SecretReferenceError, readSecret } from './secrets.js';
import { StatusUpdate } from './status-update.js';

/** Options of {@link ImageUpdateAutomationReconciler}. */
export interface ImageUpdateAutomationReconcilerOptions {
  /** Per git operation; default 60s. */
  readonly gitTimeout?: string | number;
  /** Runs one update; tests wrap it. Default {@link updateImages}. */
  readonly update?: (options: UpdateImagesOptions) => Promise<UpdateImagesResult>;
}

/**
 * The reconciler of `ImageUpdateAutomation` objects: Flux's image-automation-controller.
 *
 * @remarks
 * Each run reads the GitRepository named by `sourceRef` (URL and credentials), the ImagePolicies
 * of the namespace matching `policySelector` that have a `latestRef`, and calls
 * {@link updateImages}: check out `git.checkout.ref.branch` (default the GitRepository's branch),
 * rewrite the setters under `update.path`, commit with `git.commit` (author, message template
 * with `.Changed`, `.AutomationObject`, `.Values`) and push to the checkout branch,
 * `git.push.branch`, or a branch rendered from `git.push.branchTemplate`. Status gets
 * `lastAutomationRunTime`, `observedPolicies`, `observedSourceRevision` and, after a push,
 * `lastPushCommit` and `lastPushTime`; `Ready=True` says "pushed commit '<sha>' to branch
 * '<branch>'" or "repository up-to-date". Nothing is committed when nothing changed; a push
 * rejected as non-fast-forward is redone on the fresh head; failures leave the remote as it was,
 * set `Ready=False` with the reason, and are retried with backoff.
 *
 * Not supported, stalled with `UnsupportedFeature`: `git.commit.signingKey` (commit signing) and
 * `update.strategy` other than `Setters`.
 *
 * @example
 * ```ts
 * import { imageUpdateAutomationController, ImageUpdateAutomationReconciler } from '@weft/image-automation';
 * manager.add(imageUpdateAutomationController({ namespace: 'apps' }).reconcile(new ImageUpdateAutomationReconciler()));
 * ```
 */
export class ImageUpdateAutomationReconciler extends Reconciler<ImageUpdateAutomation> {
  private readonly options: ImageUpdateAutomationReconcilerOptions;

  constructor(options: ImageUpdateAutomationReconcilerOptions = {}) {
    super();
    this.options = options;
  }

  override async reconcile(automation: ImageUpdateAutomation, context: ReconcileContext<ImageUpdateAutomation>): Promise<Result | void> {
    const { spec } = automation;
    if (spec.suspend) return;
    const update = new StatusUpdate<ImageUpdateAutomationStatus>(ImageUpdateAutomationKind, automation, context);
    const { namespace, name } = update;
    if (spec.git.commit.signingKey) return update.stall('UnsupportedFeature', 'git.commit.signingKey: commit signing is not supported');
    if (spec.update?.strategy !== undefined && spec.update.strategy !== 'Setters') return update.stall('UnsupportedFeature', `update.strategy ${spec.update.strategy} is not supported (only Setters)`);
    update.progressing();
    const interval = parseDuration(spec.interval);
    try {
      const sourceNamespace = spec.sourceRef.namespace ?? namespace;
      let source: GitRepository;
      try {
        source = await context.client.get(GitRepositoryKind, spec.sourceRef.name, { namespace: sourceNamespace, signal: context.signal });
      } catch (error) {
        if (!isNotFoundError(error)) throw error;
        throw new DependencyNotReadyError(`ImageUpdateAutomation ${namespace}/${name}`, `referenced GitRepository ${sourceNamespace}/${spec.sourceRef.name} does not exist`);
      }
      const branch = spec.git.checkout?.ref.branch ?? source.spec.ref?.branch;
      if (!branch) {
        return update.stall('InvalidSourceConfiguration', `GitRepository ${sourceNamespace}/${spec.sourceRef.name} does not name a branch and git.checkout.ref.branch is not set`);
      }
      let auth: GitAuth | undefined;
      if (source.spec.secretRef) {
        const data = await readSecret(context.client, sourceNamespace, source.spec.secretRef.name, context.signal);
        auth = authFromSecretData(data, { encoded: false });
      }
      const policies = await this.policies(context, namespace, spec.policySelector);
      update.status.observedPolicies = Object.fromEntries([...policies].map(([key, ref]) => [key.slice(key.indexOf('/') + 1), ref]));
      const run = this.options.update ?? updateImages;
      const result = await run({
        url: source.spec.url,
        ...(auth ? { auth } : {}),
        branch,
        ...(spec.git.push?.branch ? { pushBranch: spec.git.push.branch } : {}),
        ...(spec.git.push?.branchTemplate ? { branchTemplate: spec.git.push.branchTemplate } : {}),
        author: spec.git.commit.author,
        ...(spec.git.commit.messageTemplate ? { messageTemplate: spec.git.commit.messageTemplate } : {}),
        ...(spec.git.commit.messageTemplateValues ? { messageTemplateValues: spec.git.commit.messageTemplateValues } : {}),
        automation: { namespace, name },
        ...(spec.update?.path !== undefined ? { path: spec.update.path } : {}),
        policies,
        timeout: this.options.gitTimeout ?? '60s',
        signal: context.signal,
      });
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      update.status.lastAutomationRunTime = now;
      if (result.sourceRevision) update.status.observedSourceRevision = result.sourceRevision;
      let message = 'repository up-to-date';
      if (result.commit) {
        update.status.lastPushCommit = result.commit;
        update.status.lastPushTime = now;
        message = `pushed commit '${result.commit.slice(0, 7)}' to branch '${result.branch}'`;
        context.recorder?.event(automation, 'Normal', 'Succeeded', `${message}\n${result.message ?? ''}`.trim());
      }
      await update.ready(message, false);
      return requeueAfter(interval);
    } catch (error) {
      if (context.signal.aborted) throw error;
      const reason = isImageAutomationError(error) || isGitSourceError(error) ? error.reason : 'GitOperationFailed';
      await update.notReady(reason, (error as Error).message);
      if (error instanceof SecretReferenceError || error instanceof DependencyNotReadyError) return requeueAfter(Math.min(interval, 30_000));
      throw error;
    }
  }

  /** The ImagePolicies of the namespace that match the selector and have a latest ref, keyed `namespace/name`. */
  private async policies(context: ReconcileContext<ImageUpdateAutomation>, namespace: string, selector: LabelSelectorObject | undefined): Promise<Map<string, ImageRef>> {
    const list = await context.client.list(ImagePolicyKind, { namespace, signal: context.signal });
    const policies = new Map<string, ImageRef>();
    for (const policy of list.items as ImagePolicy[]) {
      if (!matchesSelector(policy.metadata.labels ?? {}, selector)) continue;
      const ref = policy.status?.latestRef;
      if (ref) policies.set(`${namespace}/${policy.metadata.name}`, ref);
    }
    return policies;
  }
}

/**
 * Whether labels match a Kubernetes label selector (an absent selector matches everything).
 *
 * @throws reconcile-core's `LabelSelectorError` for a selector the apiserver would refuse (an `In` without values, an invalid key), as Flux fails on it.
 */
export function matchesSelector(labels: Readonly<Record<string, string>>, selector: LabelSelectorObject | undefined): boolean {
  return selector === undefined || parseLabelSelector(selector).matches(labels);
}

/** Whether an automation's selector picks a policy; an invalid selector picks none here (as Flux's watch skips it), its reconcile reports it. */
function selects(automation: ImageUpdateAutomation, policy: ImagePolicy): boolean {
  try {
    return matchesSelector(policy.metadata.labels ?? {}, automation.spec.policySelector);
  } catch (error) {
    if (error instanceof LabelSelectorError) return false;
    throw error;
  }
}

/**
 * The controller builder for ImageUpdateAutomation objects: reconciles on a new generation or
 * a reconcile request, when an ImagePolicy of the namespace gets a new latest ref, and when the
 * GitRepository it names changes its spec.
 *
 * @example
 * ```ts
 * import { imageUpdateAutomationController, ImageUpdateAutomationReconciler } from '@weft/image-automation';
 * imageUpdateAutomationController({ kubeConfig, namespace: 'apps' }).reconcile(new ImageUpdateAutomationReconciler()).subscribe();
 * ```
 */
export function imageUpdateAutomationController(options: ControllerOptions<ImageUpdateAutomation> = {}): ControllerBuilder<ImageUpdateAutomation> {
  return controller(ImageUpdateAutomationKind, { name: 'imageupdateautomation', predicate: anyOf(predicates.generation, predicates.annotations), ...options }).watches(
    ImagePolicyKind,
    (policy, automations) =>
      referrers(automations, (automation) => automation.metadata.namespace === policy.metadata.namespace && selects(automation, policy)),
    { predicate: (policy) => JSON.stringify(policy.status?.latestRef ?? null) },
  ).watches(
    GitRepositoryKind,
    (repository, automations) =>
      referrers(
        automations,
        (automation) => automation.spec.sourceRef.name === repository.metadata.name && (automation.spec.sourceRef.namespace ?? automation.metadata.namespace) === repository.metadata.namespace,
      ),
    { predicate: predicates.generation },
  );
}
