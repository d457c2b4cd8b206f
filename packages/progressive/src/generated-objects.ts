/**
 * The objects a Canary generates, as Flagger names and shapes them: `<target>-primary`
 * (Deployment), `<svc>`, `<svc>-primary`, `<svc>-canary` (Services), and `-primary` copies of the
 * tracked ConfigMaps and Secrets. Pure builders; the reconciler applies them.
 */
import type { KubeObject } from '@weft/reconcile-core';
import type { Canary, CustomMetadata } from './canary-types.js';
import { withPrimaryConfigs } from './revision.js';

/** Flagger's default `-selector-labels`: the first of these in the target's selector names its pods. */
export const defaultSelectorLabels: readonly string[] = ['app', 'name', 'app.kubernetes.io/name'];

/** Annotation on the primary's pod template naming the promoted revision (Flagger uses a random `flagger-id`). */
export const promotedRevisionAnnotation = 'progressive.weft.dev/revision';

const fluxToolkitMarker = 'toolkit.fluxcd.io';

export interface DeploymentObject extends KubeObject {
  readonly spec?: {
    readonly replicas?: number;
    readonly selector?: { readonly matchLabels?: Record<string, string> };
    readonly template?: { readonly metadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> }; readonly spec?: unknown };
    readonly strategy?: unknown;
    readonly minReadySeconds?: number;
    readonly revisionHistoryLimit?: number;
    readonly progressDeadlineSeconds?: number;
  };
  readonly status?: Record<string, unknown>;
}

/** The apex, primary and canary Service names (`spec.service.name`, else the target's name). */
export function serviceNames(canary: Canary): { apex: string; primary: string; canary: string } {
  const apex = canary.spec.service.name || canary.spec.targetRef.name;
  return { apex, primary: `${apex}-primary`, canary: `${apex}-canary` };
}

/** The name of the primary Deployment Weft generates from the target (`<target>-primary`, as Flagger). */
export function primaryName(canary: Canary): string {
  return `${canary.spec.targetRef.name}-primary`;
}

/** The selector label the target's pods are known by, or why there is none. */
export function selectorLabelOf(target: DeploymentObject, labels: readonly string[] = defaultSelectorLabels): { label: string; value: string } | { error: string } {
  const matchLabels = target.spec?.selector?.matchLabels ?? {};
  for (const label of labels) {
    const value = matchLabels[label];
    if (value !== undefined) return { label, value };
  }
  return { error: `deployment ${target.metadata.name}.${target.metadata.namespace} spec.selector.matchLabels must contain one of [${labels.join(' ')}]` };
}

export function controllerRef(canary: Canary) {
  return { apiVersion: canary.apiVersion, kind: canary.kind, name: canary.metadata.name, uid: canary.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

function withoutFluxMarkers(values: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).filter(([key]) => !key.includes(fluxToolkitMarker)));
}

function primaryLabels(labels: Readonly<Record<string, string>> | undefined, label: string, value: string): Record<string, string> {
  return { ...withoutFluxMarkers(labels), [label]: `${value}-primary` };
}

/**
 * The `<target>-primary` Deployment: the target's pod template with the `-primary` configs and
 * selector value. `revision` is recorded on the pod template so a promotion always rolls.
 */
export function primaryDeployment(canary: Canary, target: DeploymentObject, selector: { label: string; value: string }, trackedConfigs: ReadonlySet<string>, revision: string, options: { replicas?: number } = {}): DeploymentObject {
  const spec = target.spec ?? {};
  const template = spec.template ?? {};
  const replicas = options.replicas ?? ((spec.replicas ?? 0) > 0 ? spec.replicas! : 1);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: primaryName(canary),
      namespace: canary.metadata.namespace,
      labels: { [selector.label]: `${selector.value}-primary` },
      annotations: withoutFluxMarkers(target.metadata.annotations),
      ownerReferences: [controllerRef(canary)],
    },
    spec: {
      ...(spec.progressDeadlineSeconds !== undefined ? { progressDeadlineSeconds: spec.progressDeadlineSeconds } : {}),
      ...(spec.minReadySeconds !== undefined ? { minReadySeconds: spec.minReadySeconds } : {}),
      ...(spec.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: spec.revisionHistoryLimit } : {}),
      ...(spec.strategy !== undefined ? { strategy: spec.strategy } : {}),
      replicas,
      selector: { matchLabels: { [selector.label]: `${selector.value}-primary` } },
      template: {
        metadata: {
          labels: primaryLabels(template.metadata?.labels, selector.label, selector.value),
          annotations: { ...withoutFluxMarkers(template.metadata?.annotations), [promotedRevisionAnnotation]: revision },
        },
        spec: withPrimaryConfigs(template.spec ?? {}, trackedConfigs),
      },
    },
  };
}

/** The `-primary` copy of a tracked ConfigMap or Secret, owned by the Canary. */
export function primaryConfig(canary: Canary, source: KubeObject & { data?: Record<string, string>; type?: string }): KubeObject {
  return {
    apiVersion: 'v1',
    kind: source.kind,
    metadata: { name: `${source.metadata.name}-primary`, namespace: canary.metadata.namespace, ownerReferences: [controllerRef(canary)] },
    ...(source.type !== undefined ? { type: source.type } : {}),
    data: source.data ?? {},
  } as KubeObject;
}

/** One of the three ClusterIP Services, selecting `selectorValue` pods. */
export function service(canary: Canary, name: string, label: string, selectorValue: string, metadata: CustomMetadata | undefined): KubeObject {
  const { port, portName, targetPort, appProtocol } = canary.spec.service;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: canary.metadata.namespace,
      labels: { ...(metadata?.labels ?? {}), [label]: name },
      annotations: withoutFluxMarkers(metadata?.annotations),
      ownerReferences: [controllerRef(canary)],
    },
    spec: {
      type: 'ClusterIP',
      selector: { [label]: selectorValue },
      ports: [{ name: portName || 'http', protocol: 'TCP', port, targetPort: targetPort ?? port, ...(appProtocol ? { appProtocol } : {}) }],
    },
  } as KubeObject;
}

/** The canary and primary Services (Flagger's KubernetesRouter.Initialize). */
export function canaryAndPrimaryServices(canary: Canary, selector: { label: string; value: string }): KubeObject[] {
  const names = serviceNames(canary);
  return [service(canary, names.canary, selector.label, selector.value, canary.spec.service.canary), service(canary, names.primary, selector.label, `${selector.value}-primary`, canary.spec.service.primary)];
}

/** The apex Service, selecting the primary's pods (Flagger's KubernetesRouter.Reconcile). */
export function apexService(canary: Canary, selector: { label: string; value: string }): KubeObject {
  return service(canary, serviceNames(canary).apex, selector.label, `${selector.value}-primary`, canary.spec.service.apex);
}
