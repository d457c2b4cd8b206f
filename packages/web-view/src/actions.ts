import type { KubeClient } from '@weft/reconcile-core';
import { type OperableKind, KustomizationKind, requestReconcile, resumeResource, suspendResource } from '@weft/delivery';
import { GitRepositoryKind } from '@weft/git-source';
import { abortCanary, pauseCanary, promoteCanary, resumeCanary, retryCanary } from '@weft/progressive';
import type { ActionName } from './view-model.js';

/** What the page asks: an action on one object, `Kind/<namespace>/<name>`. */
export interface ActionRequest {
  readonly action: ActionName;
  readonly target: string;
}

/** What an action did, for the page to show. */
export interface ActionResult {
  readonly ok: true;
  readonly message: string;
}

/**
 * An action the page asked for that does not exist for that kind, or a target that does not parse.
 *
 * @remarks Not retryable.
 * @example
 * ```ts
 * import { ActionRequestError, parseActionRequest } from '@weft/web-view';
 *
 * try { parseActionRequest(body); } catch (error) { if (error instanceof ActionRequestError) console.error(error.message); }
 * ```
 */
export class ActionRequestError extends Error {
  override name = 'ActionRequestError';
}

type Target = { readonly namespace: string; readonly name: string };
type Perform = (client: KubeClient, target: Target, signal: AbortSignal) => Promise<string>;

/** The actions of each kind; anything else is refused. */
const actions: Readonly<Record<string, Partial<Record<ActionName, Perform>>>> = {
  Kustomization: pipelineActions(KustomizationKind),
  GitRepository: pipelineActions(GitRepositoryKind),
  Canary: {
    promote: async (client, target, signal) => (await promoteCanary(client, target, { signal }), `promotion of Canary/${target.namespace}/${target.name} requested`),
    abort: async (client, target, signal) => (await abortCanary(client, target, { signal }), `rollback of Canary/${target.namespace}/${target.name} requested`),
    retry: async (client, target, signal) => (await retryCanary(client, target, { signal }), `retry of Canary/${target.namespace}/${target.name} requested`),
    pause: async (client, target, signal) => (await pauseCanary(client, target, { signal }), `Canary/${target.namespace}/${target.name} paused`),
    unpause: async (client, target, signal) => (await resumeCanary(client, target, { signal }), `Canary/${target.namespace}/${target.name} resumed`),
  },
};

/** `reconcile`, `suspend`, `resume` of a GitRepository or Kustomization: `@weft/delivery`'s operations, as the `weft` command runs them. */
function pipelineActions(kind: OperableKind): Partial<Record<ActionName, Perform>> {
  const subject = (target: Target) => `${kind.kind}/${target.namespace}/${target.name}`;
  return {
    reconcile: async (client, target, signal) => `reconcile of ${subject(target)} requested at ${(await requestReconcile(client, kind, target, { signal })).requestedAt}`,
    suspend: async (client, target, signal) => (await suspendResource(client, kind, target, { signal }), `${subject(target)} suspended`),
    resume: async (client, target, signal) => (await resumeResource(client, kind, target, { signal }), `${subject(target)} resumed; reconcile requested`),
  };
}

/**
 * Checks a request body: a known action of the target's kind, and a target `Kind/<namespace>/<name>`.
 *
 * @throws {@link ActionRequestError} naming what is wrong.
 */
export function parseActionRequest(body: unknown): ActionRequest & { kind: string; namespace: string; name: string } {
  const request = body as Partial<ActionRequest> | null;
  if (!request || typeof request.action !== 'string' || typeof request.target !== 'string') throw new ActionRequestError('an action request is {"action": "...", "target": "Kind/namespace/name"}');
  const parts = request.target.split('/');
  const [kind, namespace, name] = parts;
  if (parts.length !== 3 || !kind || !namespace || !name) throw new ActionRequestError(`target ${JSON.stringify(request.target)} is not Kind/namespace/name`);
  if (!actions[kind]?.[request.action as ActionName]) throw new ActionRequestError(`${kind} has no action ${JSON.stringify(request.action)}`);
  return { action: request.action as ActionName, target: request.target, kind, namespace, name };
}

/**
 * Carries out an action, with the same library functions as the `weft` command line:
 * `@weft/delivery`'s `requestReconcile`, `suspendResource`, `resumeResource` for GitRepositories
 * and Kustomizations, `@weft/progressive`'s `promoteCanary`, `abortCanary`, `retryCanary`,
 * `pauseCanary`, `resumeCanary` for Canaries.
 *
 * @remarks A reconcile is requested, not awaited: the page shows it happen.
 * @throws {@link ActionRequestError}; `@weft/delivery`'s `SuspendedError` (reconcile of a suspended object), the client's errors (`NotFoundError`, `ForbiddenError`, …).
 */
export async function runAction(client: KubeClient, body: unknown, signal: AbortSignal): Promise<ActionResult> {
  const request = parseActionRequest(body);
  const message = await actions[request.kind]![request.action]!(client, { namespace: request.namespace, name: request.name }, signal);
  return { ok: true, message };
}
