/**
 * The shapes of `Canary` and `MetricTemplate` (`progressive.weft.dev/v1`), with Flagger's field
 * names (`flagger.app/v1beta1`), plus the few opt-ins beyond Flagger, each marked as such.
 */
import type { Condition, KubeObject } from '@weft/reconcile-core';

/** Flagger's phases, in the order a release goes through them. */
export type CanaryPhase =
  | 'Initializing'
  | 'Initialized'
  | 'Waiting'
  | 'Progressing'
  | 'WaitingPromotion'
  | 'Promoting'
  | 'Finalising'
  | 'Succeeded'
  | 'Failed'
  | 'Terminating'
  | 'Terminated';

/** How traffic reaches the canary: Flagger's `-mesh-provider` values this package implements. */
export type RouterProvider = 'gatewayapi:v1' | 'kubernetes' | 'nginx';

/** Webhook types, as Flagger's `spec.analysis.webhooks[].type`. */
export type WebhookType =
  | 'confirm-rollout'
  | 'pre-rollout'
  | 'rollout'
  | 'confirm-traffic-increase'
  | 'confirm-promotion'
  | 'post-rollout'
  | 'rollback'
  | 'event';

/** A reference to an object in the Canary's own namespace (`spec.targetRef`, `autoscalerRef`, `ingressRef`). */
export interface LocalObjectReference {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly name: string;
}

/** A reference that may name another namespace (a metric's `templateRef`). */
export interface CrossNamespaceObjectReference extends Partial<LocalObjectReference> {
  readonly name: string;
  readonly namespace?: string;
}

/** A Gateway API `ParentReference` (`spec.service.gatewayRefs[]`). */
export interface GatewayRef {
  readonly group?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name: string;
  readonly sectionName?: string;
  readonly port?: number;
}

/** An Istio-style string match, as Flagger's `HTTPMatchRequest` uses. */
export interface StringMatch {
  readonly exact?: string;
  readonly prefix?: string;
  readonly regex?: string;
}

/** One request match (`spec.service.match[]`, `spec.analysis.match[]`). */
export interface HttpMatchRequest {
  readonly headers?: Readonly<Record<string, StringMatch>>;
  readonly uri?: StringMatch;
  readonly method?: StringMatch;
  readonly queryParams?: Readonly<Record<string, StringMatch>>;
}

/** Headers set, added or removed on the way to the backends (`spec.service.headers.request` / `.response`). */
export interface HeaderOperations {
  readonly set?: Readonly<Record<string, string>>;
  readonly add?: Readonly<Record<string, string>>;
  readonly remove?: readonly string[];
}

/** Labels and annotations added to a generated object (`spec.service.apex`, `.primary`, `.canary`). */
export interface CustomMetadata {
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** The Service the Canary generates and routes through (`spec.service`): port, Gateway API parents, hosts, matches. */
export interface CanaryService {
  readonly name?: string;
  readonly port: number;
  readonly portName?: string;
  readonly targetPort?: number | string;
  readonly appProtocol?: string;
  readonly gatewayRefs?: readonly GatewayRef[];
  readonly hosts?: readonly string[];
  readonly match?: readonly HttpMatchRequest[];
  readonly headers?: { readonly request?: HeaderOperations; readonly response?: HeaderOperations };
  readonly timeout?: string;
  readonly apex?: CustomMetadata;
  readonly primary?: CustomMetadata;
  readonly canary?: CustomMetadata;
}

/** The range a metric's value must fall in for a check to pass (`min` and/or `max`, inclusive). */
export interface ThresholdRange {
  readonly min?: number;
  readonly max?: number;
}

/** One metric checked at every analysis interval (`spec.analysis.metrics[]`): a built-in, an inline query or a `MetricTemplate`. */
export interface CanaryMetric {
  readonly name: string;
  readonly interval?: string;
  /** Deprecated in Flagger in favour of `thresholdRange`; kept with Flagger's meaning per metric kind. */
  readonly threshold?: number;
  readonly thresholdRange?: ThresholdRange;
  /** An inline PromQL query against the controller's metrics server. */
  readonly query?: string;
  readonly templateRef?: CrossNamespaceObjectReference;
  readonly templateVariables?: Readonly<Record<string, string>>;
}

/** A webhook called at one point of the release (`spec.analysis.webhooks[]`); a non-2xx answer holds or fails it as Flagger does. */
export interface CanaryWebhook {
  readonly type?: WebhookType;
  readonly name: string;
  readonly url: string;
  readonly muteAlert?: boolean;
  /** Go duration; Flagger's default 10s. */
  readonly timeout?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly retries?: number;
  readonly disableTLS?: boolean;
}

/** What to do with a metric that returned no data. Beyond Flagger (flagger#1090). */
export type InconclusivePolicy = 'Fail' | 'Pause';

/** How the release is analysed and advanced (`spec.analysis`): interval, weights or iterations, failure threshold, metrics, webhooks. */
export interface CanaryAnalysis {
  readonly interval: string;
  readonly iterations?: number;
  readonly mirror?: boolean;
  readonly mirrorWeight?: number;
  readonly maxWeight?: number;
  readonly stepWeight?: number;
  readonly stepWeights?: readonly number[];
  readonly stepWeightPromotion?: number;
  readonly threshold: number;
  readonly primaryReadyThreshold?: number;
  readonly canaryReadyThreshold?: number;
  readonly metrics?: readonly CanaryMetric[];
  readonly webhooks?: readonly CanaryWebhook[];
  readonly match?: readonly HttpMatchRequest[];
  /**
   * Beyond Flagger: `Pause` makes a metric with no data (no traffic yet) hold the analysis where
   * it is instead of counting a failed check. Default `Fail`, Flagger's behaviour.
   */
  readonly onInconclusive?: InconclusivePolicy;
}

/** How the target's replicas are changed. Beyond Flagger (flagger#1504). */
export type TargetScaling = 'Patch' | 'Apply';

/** What a `Canary` releases and how (`spec`): the target workload, its Service, the router and the analysis. */
export interface CanarySpec {
  /** Overrides the controller's default router, as Flagger's `spec.provider`. */
  readonly provider?: RouterProvider;
  readonly metricsServer?: string;
  readonly targetRef: LocalObjectReference;
  readonly autoscalerRef?: LocalObjectReference;
  readonly ingressRef?: LocalObjectReference;
  readonly service: CanaryService;
  readonly analysis?: CanaryAnalysis;
  readonly progressDeadlineSeconds?: number;
  readonly skipAnalysis?: boolean;
  readonly suspend?: boolean;
  /**
   * Beyond Flagger: `Apply` scales the target with server-side apply under Weft's own field
   * manager and never forces, so a GitOps tool that owns `spec.replicas` is reported, not fought.
   * Default `Patch`, Flagger's merge patch.
   */
  readonly targetScaling?: TargetScaling;
}

/** A manual request written into the status (`status.request`) or sent with the exported functions. */
export type ManualAction = 'promote' | 'abort' | 'retry' | 'pause' | 'resume';

/** A manual request (`promote`, `abort`, `retry`, `pause`, `resume`) and when it was made. */
export interface ManualRequest {
  readonly action: ManualAction;
  readonly requestedAt?: string;
}

/** Where a release stands (`status`): Flagger's phase, canary weight, failed checks, iterations and the specs last applied and promoted. */
export interface CanaryStatus {
  readonly phase?: CanaryPhase;
  readonly canaryWeight?: number;
  readonly failedChecks?: number;
  readonly iterations?: number;
  readonly lastAppliedSpec?: string;
  readonly lastPromotedSpec?: string;
  readonly lastTransitionTime?: string;
  readonly trackedConfigs?: Readonly<Record<string, string>>;
  readonly conditions?: readonly Condition[];
  /** Beyond Flagger: set by a `pause` request, cleared by `resume`. */
  readonly paused?: boolean;
  /** Beyond Flagger: a pending manual request; the controller clears it when it acts on it. */
  readonly request?: ManualRequest;
  /** Beyond Flagger: the last manual request acted on, for the record. */
  readonly lastRequest?: ManualRequest;
}

/** A release of one workload, analysed step by step (`progressive.weft.dev/v1` `Canary`, Flagger's `flagger.app/v1beta1` fields). */
export interface Canary extends KubeObject {
  readonly apiVersion: 'progressive.weft.dev/v1';
  readonly kind: 'Canary';
  readonly metadata: KubeObject['metadata'] & { readonly name: string; readonly namespace: string };
  readonly spec: CanarySpec;
  readonly status?: CanaryStatus;
}

/** Where a `MetricTemplate`'s query is sent: Prometheus or a generic HTTP/JSON endpoint, with its address and credentials. */
export interface MetricTemplateProvider {
  /** `prometheus` or `http` (generic HTTP/JSON, beyond Flagger). */
  readonly type: 'prometheus' | 'http';
  readonly address?: string;
  readonly secretRef?: { readonly name: string };
  readonly headers?: Readonly<Record<string, readonly string[] | string>>;
  readonly insecureSkipVerify?: boolean;
}

/** A `MetricTemplate`'s `spec`: the provider and the query template. */
export interface MetricTemplateSpec {
  readonly provider: MetricTemplateProvider;
  /** A Flagger query template: `{{ namespace }}`, `{{ target }}`, `{{ interval }}`, `{{ variables.x }}`… */
  readonly query: string;
}

/** A reusable metric query (`progressive.weft.dev/v1` `MetricTemplate`, as Flagger's). */
export interface MetricTemplate extends KubeObject {
  readonly apiVersion: 'progressive.weft.dev/v1';
  readonly kind: 'MetricTemplate';
  readonly metadata: KubeObject['metadata'] & { readonly name: string; readonly namespace: string };
  readonly spec: MetricTemplateSpec;
}
