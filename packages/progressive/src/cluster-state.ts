/**
 * Reading what one tick decides from (the target, its configs, the primary, the routes) and
 * carrying out the actions it decided, against the cluster. The only place with side effects
 * on workloads; the decision itself is {@link advance}.
 */
import { ConfigMapKind, DeploymentKind, isConflictError, isNotFoundError, SecretKind, type KubeClient, type KubeObject, resourceKind } from '@weft/reconcile-core';
import type { Action, Readiness, RouteObservation, TargetObservation } from './advance.js';
import type { Canary } from './canary-types.js';
import { apexService, canaryAndPrimaryServices, primaryConfig, primaryDeployment, primaryName, selectorLabelOf, type DeploymentObject } from './generated-objects.js';
import { deploymentReadiness } from './readiness.js';
import { checksum, configRefsOf, configTrackingAnnotation, templateRevision, trackedSecretTypes } from './revision.js';
import type { Router } from './router.js';
import { TargetReplicasOwnedError } from './errors.js';

/** The field manager Weft writes generated objects with. */
export const fieldManager = 'weft-progressive';

const HorizontalPodAutoscalerKind = resourceKind<KubeObject & { spec?: Record<string, unknown> }>({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', namespaced: true });

/** What the reconciler read this tick, beyond what {@link advance} takes. */
export interface ObservedWorkload {
  readonly target: DeploymentObject | undefined;
  readonly selector: { label: string; value: string } | undefined;
  readonly primary: DeploymentObject | undefined;
  readonly configs: readonly (KubeObject & { data?: Record<string, string>; type?: string })[];
  readonly observation: TargetObservation | { readonly error: string };
  readonly primaryReadiness: Readiness | 'missing';
}

async function getOrUndefined<T extends KubeObject>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNotFoundError(error)) return undefined;
    throw error;
  }
}

const defaultProgressDeadlineSeconds = 600;

/**
 * Reads the target Deployment, the ConfigMaps and Secrets its pod template uses, and the primary.
 *
 * @throws the client's errors other than NotFound (retried by the controller).
 */
export async function observeWorkload(client: KubeClient, canary: Canary, now: Date, options: { signal?: AbortSignal; selectorLabels?: readonly string[] } = {}): Promise<ObservedWorkload> {
  const namespace = canary.metadata.namespace;
  const call = { namespace, ...(options.signal ? { signal: options.signal } : {}) };
  const targetName = canary.spec.targetRef.name;
  const [target, primary] = await Promise.all([
    getOrUndefined(() => client.get(DeploymentKind, targetName, call) as Promise<DeploymentObject>),
    getOrUndefined(() => client.get(DeploymentKind, primaryName(canary), call) as Promise<DeploymentObject>),
  ]);
  const deadline = canary.spec.progressDeadlineSeconds ?? defaultProgressDeadlineSeconds;
  const primaryReadiness: Readiness | 'missing' = primary ? deploymentReadiness(primary, deadline, canary.spec.analysis?.primaryReadyThreshold ?? 100, now) : 'missing';
  if (!target) return { target, selector: undefined, primary, configs: [], observation: { error: `deployment ${targetName}.${namespace} get query error: not found` }, primaryReadiness };
  const selector = selectorLabelOf(target, options.selectorLabels);
  if ('error' in selector) return { target, selector: undefined, primary, configs: [], observation: selector, primaryReadiness };

  const configs: (KubeObject & { data?: Record<string, string>; type?: string })[] = [];
  const trackedConfigs: Record<string, string> = {};
  for (const ref of configRefsOf(target.spec?.template?.spec)) {
    const object = await getOrUndefined(() => (ref.kind === 'configmap' ? client.get(ConfigMapKind, ref.name, call) : client.get(SecretKind, ref.name, call)) as Promise<KubeObject & { data?: Record<string, string>; type?: string }>);
    if (!object) {
      if (ref.required) return { target, selector, primary, configs, observation: { error: `${ref.kind} ${ref.name}.${namespace} get query error: not found` }, primaryReadiness };
      continue;
    }
    if ((object.metadata.annotations?.[configTrackingAnnotation] ?? '').startsWith('disable')) continue;
    if (ref.kind === 'secret' && !trackedSecretTypes.includes(object.type ?? 'Opaque')) continue;
    configs.push(object);
    trackedConfigs[`${ref.kind}/${ref.name}`] = checksum(object.data ?? {});
  }
  const readiness = deploymentReadiness(target, deadline, canary.spec.analysis?.canaryReadyThreshold ?? 100, now);
  return { target, selector, primary, configs, observation: { revision: templateRevision(target.spec?.template), trackedConfigs, readiness }, primaryReadiness };
}

/** Reads the router's weights; before the routing objects exist, all traffic is on the primary. */
export async function observeRoutes(router: Router, canary: Canary, signal?: AbortSignal): Promise<RouteObservation> {
  try {
    return await router.getRoutes(canary, signal ? { signal } : {});
  } catch (error) {
    if (canary.status?.phase === undefined || canary.status.phase === 'Initializing') return { primaryWeight: 100, canaryWeight: 0, mirrored: false };
    throw error;
  }
}

/** Options of {@link executeWorkloadAction}. */
export interface ExecuteOptions {
  readonly client: KubeClient;
  readonly router: Router;
  readonly signal?: AbortSignal;
  /**
   * Remembers what was last applied, so an object whose desired state has not changed is
   * re-applied only once `reapplyAfterMs` has passed (a drift repair), not on every tick.
   */
  readonly applied?: AppliedMemo;
}

/** What {@link executeWorkloadAction} applied last, per object: the desired state's checksum and when. */
export class AppliedMemo {
  private readonly entries = new Map<string, { checksum: string; at: number }>();
  constructor(
    readonly reapplyAfterMs = 300_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `object` (as desired) was applied within the repair period. */
  fresh(key: string, desired: unknown): boolean {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.checksum === checksum(desired) && this.now() - entry.at < this.reapplyAfterMs;
  }

  remember(key: string, desired: unknown): void {
    this.entries.set(key, { checksum: checksum(desired), at: this.now() });
  }

  /** Forgets a Canary's objects (deleted, or a write of Weft's failed). */
  forget(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}

/**
 * Carries out one workload or routing action (status, events and hooks are the reconciler's).
 *
 * @throws the client's and router's errors; the reconciler stops the tick at the first.
 */
export async function executeWorkloadAction(action: Action, canary: Canary, workload: ObservedWorkload, { client, router, signal, applied }: ExecuteOptions): Promise<void> {
  const call = signal ? { signal } : {};
  const memoKey = (object: KubeObject) => `${canary.metadata.namespace}/${canary.metadata.name}/${object.kind}/${object.metadata.name}`;
  const apply = async (object: KubeObject) => {
    await client.apply(object, { fieldManager, force: true, ...call });
    applied?.remember(memoKey(object), object);
  };
  const ensure = async (object: KubeObject) => {
    if (applied?.fresh(memoKey(object), object)) return;
    await apply(object);
  };
  const { target, selector } = workload;
  if (!target || !selector) return;
  const tracked = new Set(workload.configs.map((config) => `${config.kind === 'ConfigMap' ? 'configmap' : 'secret'}/${config.metadata.name}`));
  const revision = 'revision' in workload.observation ? workload.observation.revision : '';
  switch (action.type) {
    case 'initializeServices':
      for (const service of canaryAndPrimaryServices(canary, selector)) await ensure(service);
      return;
    case 'createPrimary':
      for (const config of workload.configs) await apply(primaryConfig(canary, config));
      await apply(primaryDeployment(canary, target, selector, tracked, revision));
      return;
    case 'promote': {
      for (const config of workload.configs) await apply(primaryConfig(canary, config));
      const replicas = canary.spec.autoscalerRef ? workload.primary?.spec?.replicas : undefined;
      await apply(primaryDeployment(canary, target, selector, tracked, revision, replicas !== undefined ? { replicas } : {}));
      return;
    }
    case 'reconcileApexService':
      await ensure(apexService(canary, selector));
      return;
    case 'reconcileRoutes': {
      // The route's shape follows the Canary's spec; its weights are setRoutes' business.
      const key = `${canary.metadata.namespace}/${canary.metadata.name}/route`;
      const desired = { spec: canary.spec, provider: router.provider };
      if (applied?.fresh(key, desired)) return;
      await router.reconcile(canary, call);
      applied?.remember(key, desired);
      return;
    }
    case 'setRoutes':
      await router.setRoutes(canary, action, call);
      return;
    case 'reconcilePrimaryScaler': {
      const ref = canary.spec.autoscalerRef;
      if (!ref) return;
      const hpa = await client.get(HorizontalPodAutoscalerKind, ref.name, { namespace: canary.metadata.namespace, ...call });
      await apply({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: `${ref.name}-primary`, namespace: canary.metadata.namespace, ownerReferences: [{ apiVersion: canary.apiVersion, kind: canary.kind, name: canary.metadata.name, uid: canary.metadata.uid ?? '', controller: true }] },
        spec: { ...hpa.spec, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: primaryName(canary) } },
      } as KubeObject);
      return;
    }
    case 'scaleTargetToZero':
      await scaleTarget(client, canary, 0, call);
      return;
    case 'scaleTargetFromZero': {
      let replicas = 1;
      if ((target.spec?.replicas ?? 0) > 0) replicas = target.spec!.replicas!;
      else if (!canary.spec.autoscalerRef && (workload.primary?.spec?.replicas ?? 0) > 0) replicas = workload.primary!.spec!.replicas!;
      else if (canary.spec.autoscalerRef) {
        const hpa = await getOrUndefined(() => client.get(HorizontalPodAutoscalerKind, canary.spec.autoscalerRef!.name, { namespace: canary.metadata.namespace, ...call }));
        const min = hpa?.spec?.['minReplicas'];
        if (typeof min === 'number' && min > 1) replicas = min;
      }
      await scaleTarget(client, canary, replicas, call);
      return;
    }
    default:
      return;
  }
}

/**
 * Sets the target's replicas: Flagger's merge patch by default; with `targetScaling: Apply`, a
 * server-side apply of `spec.replicas` alone under Weft's field manager, never forced, so a field
 * owned by the GitOps tool is reported instead of taken over (flagger#1504).
 */
async function scaleTarget(client: KubeClient, canary: Canary, replicas: number, call: { signal?: AbortSignal }): Promise<void> {
  const name = canary.spec.targetRef.name;
  const namespace = canary.metadata.namespace;
  if (canary.spec.targetScaling !== 'Apply') {
    await client.patch(DeploymentKind, name, { spec: { replicas } }, { namespace, type: 'merge', ...call });
    return;
  }
  try {
    await client.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: { replicas } } as KubeObject, { fieldManager: `${fieldManager}-scale`, force: false, ...call });
  } catch (error) {
    if (isConflictError(error) && error.fieldManagerConflicts.length > 0) throw new TargetReplicasOwnedError(canary, error.fieldManagerConflicts.map((conflict) => conflict.manager), error);
    throw error;
  }
}
