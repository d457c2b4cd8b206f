/**
 * @packageDocumentation
 * `@weft/progressive`: canary, A/B and blue-green releases with metric analysis, as Flagger does
 * them, held side by side to Flagger v1.44.0. The decision logic is a pure function
 * ({@link advance}); routers, metric providers and webhooks sit behind small interfaces; a
 * ready-made reconciler drives a Flagger-shaped `Canary` (`progressive.weft.dev/v1`).
 */
export type * from './canary-types.js';
export { advance, decide, type Advance, type AdvanceInput, type Action, type Check, type CheckAnswer, type Readiness, type RouteObservation, type TargetObservation, type WebhookAnswer } from './advance.js';
export { maxWeight, nextStepWeight, totalWeight } from './weights.js';
export { evaluateMetric, isBuiltinMetric, builtinMetricNames, type BuiltinMetricName, type MetricAnswer, type MetricOutcome, type MetricSource } from './metric-evaluation.js';
export { CanaryKind, MetricTemplateKind } from './resources.js';
export { deploymentReadiness, type DeploymentLike, type DeploymentCondition } from './readiness.js';
export { canonicalJson, checksum, configRefsOf, templateRevision, withPrimaryConfigs, configTrackingAnnotation, trackedSecretTypes, type ConfigRef } from './revision.js';
export { serviceNames, primaryName, selectorLabelOf, primaryDeployment, primaryConfig, apexService, canaryAndPrimaryServices, defaultSelectorLabels, promotedRevisionAnnotation, type DeploymentObject } from './generated-objects.js';
export { type Router, type RouterCallOptions, type RouterFactory } from './router.js';
export { gatewayApiRouter, httpRouteSpec, routeMatches, HTTPRouteKind, type HTTPRoute, type HTTPRouteRule, type BackendRef } from './router-gateway-api.js';
export { serviceRouter } from './router-service.js';
export { ingressNginxRouter, IngressKind, type Ingress } from './router-ingress-nginx.js';
export { prometheusProvider, httpJsonProvider, builtinQuery, readJsonPath, type MetricProvider, type MetricProviderOptions, type MetricQueryOptions } from './metric-provider.js';
export { renderQuery, queryModel, QueryTemplateError, type QueryModel } from './query-template.js';
export { callWebhook, webhookPayload, type WebhookPayload, type CallWebhookOptions } from './webhooks.js';
export { observeWorkload, observeRoutes, executeWorkloadAction, fieldManager, AppliedMemo, type ObservedWorkload, type ExecuteOptions } from './cluster-state.js';
export { CanaryReconciler, canaryController, type CanaryReconcilerOptions, type CanaryControllerOptions } from './canary-reconciler.js';
export { requestCanary, promoteCanary, abortCanary, retryCanary, pauseCanary, resumeCanary, type ManualRequestOptions } from './manual.js';
export { InvalidCanaryError, isInvalidCanaryError, TargetReplicasOwnedError, isTargetReplicasOwnedError } from './errors.js';
