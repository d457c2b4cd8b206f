/**
 * The `Canary` and `MetricTemplate` resources (`progressive.weft.dev/v1`): their CRDs and
 * validators, from one JSON Schema each. Field names are Flagger's; free-form sub-trees that
 * Flagger takes from other APIs (request matches, header operations, metadata) are kept open.
 */
import { conditionsSchema, defineResource, type DefinedResource } from '@weft/reconcile-core';
import type { Canary, MetricTemplate } from './canary-types.js';

const open = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } as const;
const openList = { type: 'array', items: open } as const;
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const objectRef = { type: 'object', required: ['name'], properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' }, namespace: { type: 'string' } } } as const;
const manualRequest = { type: 'object', required: ['action'], properties: { action: { type: 'string', enum: ['promote', 'abort', 'retry', 'pause', 'resume'] }, requestedAt: { type: 'string' } } } as const;

const canarySchema = {
  type: 'object',
  required: ['spec'],
  properties: {
    spec: {
      type: 'object',
      required: ['targetRef', 'service'],
      properties: {
        provider: { type: 'string', enum: ['gatewayapi:v1', 'kubernetes', 'nginx'] },
        metricsServer: { type: 'string' },
        targetRef: { type: 'object', required: ['kind', 'name'], properties: { apiVersion: { type: 'string' }, kind: { type: 'string', enum: ['Deployment'] }, name: { type: 'string' } } },
        autoscalerRef: objectRef,
        ingressRef: objectRef,
        service: {
          type: 'object',
          required: ['port'],
          properties: {
            name: { type: 'string' },
            port: { type: 'integer', minimum: 1, maximum: 65535 },
            portName: { type: 'string' },
            targetPort: { 'x-kubernetes-int-or-string': true },
            appProtocol: { type: 'string' },
            gatewayRefs: openList,
            hosts: { type: 'array', items: { type: 'string' } },
            match: openList,
            headers: open,
            timeout: { type: 'string' },
            apex: open,
            primary: open,
            canary: open,
          },
        },
        analysis: {
          type: 'object',
          required: ['interval'],
          properties: {
            interval: { type: 'string' },
            iterations: { type: 'integer' },
            mirror: { type: 'boolean' },
            mirrorWeight: { type: 'integer' },
            maxWeight: { type: 'integer' },
            stepWeight: { type: 'integer' },
            stepWeights: { type: 'array', items: { type: 'integer' } },
            stepWeightPromotion: { type: 'integer' },
            threshold: { type: 'integer' },
            primaryReadyThreshold: { type: 'integer' },
            canaryReadyThreshold: { type: 'integer' },
            match: openList,
            onInconclusive: { type: 'string', enum: ['Fail', 'Pause'] },
            metrics: {
              type: 'array',
              items: {
                type: 'object',
                required: ['name'],
                properties: {
                  name: { type: 'string' },
                  interval: { type: 'string' },
                  threshold: { type: 'number' },
                  thresholdRange: { type: 'object', properties: { min: { type: 'number' }, max: { type: 'number' } } },
                  query: { type: 'string' },
                  templateRef: objectRef,
                  templateVariables: stringMap,
                },
              },
            },
            webhooks: {
              type: 'array',
              items: {
                type: 'object',
                required: ['name', 'url'],
                properties: {
                  type: { type: 'string', enum: ['confirm-rollout', 'pre-rollout', 'rollout', 'confirm-traffic-increase', 'confirm-promotion', 'post-rollout', 'rollback', 'event'] },
                  name: { type: 'string' },
                  url: { type: 'string' },
                  muteAlert: { type: 'boolean' },
                  timeout: { type: 'string' },
                  metadata: stringMap,
                  retries: { type: 'integer' },
                  disableTLS: { type: 'boolean' },
                },
              },
            },
          },
        },
        progressDeadlineSeconds: { type: 'integer' },
        skipAnalysis: { type: 'boolean' },
        suspend: { type: 'boolean' },
        targetScaling: { type: 'string', enum: ['Patch', 'Apply'] },
      },
    },
    status: {
      type: 'object',
      properties: {
        phase: { type: 'string' },
        canaryWeight: { type: 'integer' },
        failedChecks: { type: 'integer' },
        iterations: { type: 'integer' },
        lastAppliedSpec: { type: 'string' },
        lastPromotedSpec: { type: 'string' },
        lastTransitionTime: { type: 'string' },
        trackedConfigs: stringMap,
        conditions: conditionsSchema,
        paused: { type: 'boolean' },
        request: manualRequest,
        lastRequest: manualRequest,
      },
    },
  },
} as const;

/** The `Canary` resource: CRD, validator and kind for the client. */
export const CanaryKind = defineResource({
  group: 'progressive.weft.dev',
  version: 'v1',
  kind: 'Canary',
  plural: 'canaries',
  categories: ['all'],
  schema: canarySchema,
  printerColumns: [
    { name: 'Status', type: 'string', jsonPath: '.status.phase' },
    { name: 'Weight', type: 'integer', jsonPath: '.status.canaryWeight' },
    { name: 'FailedChecks', type: 'integer', jsonPath: '.status.failedChecks', priority: 1 },
    { name: 'Interval', type: 'string', jsonPath: '.spec.analysis.interval', priority: 1 },
    { name: 'LastTransitionTime', type: 'string', jsonPath: '.status.lastTransitionTime' },
  ],
}) as unknown as DefinedResource<Canary>;

/** The `MetricTemplate` resource: a provider and a templated query. */
export const MetricTemplateKind = defineResource({
  group: 'progressive.weft.dev',
  version: 'v1',
  kind: 'MetricTemplate',
  schema: {
    type: 'object',
    required: ['spec'],
    properties: {
      spec: {
        type: 'object',
        required: ['provider', 'query'],
        properties: {
          provider: {
            type: 'object',
            required: ['type'],
            properties: {
              type: { type: 'string', enum: ['prometheus', 'http'] },
              address: { type: 'string' },
              secretRef: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
              headers: open,
              insecureSkipVerify: { type: 'boolean' },
            },
          },
          query: { type: 'string' },
        },
      },
    },
  },
  printerColumns: [{ name: 'Provider', type: 'string', jsonPath: '.spec.provider.type' }],
}) as unknown as DefinedResource<MetricTemplate>;
