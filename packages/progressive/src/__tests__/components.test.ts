import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Canary } from '../canary-types.js';
import { evaluateMetric } from '../metric-evaluation.js';
import { builtinQuery, httpJsonProvider, prometheusProvider, readJsonPath } from '../metric-provider.js';
import { queryModel, QueryTemplateError, renderQuery } from '../query-template.js';
import { deploymentReadiness } from '../readiness.js';
import { configRefsOf, templateRevision, withPrimaryConfigs } from '../revision.js';
import { InvalidCanaryError, isInvalidCanaryError } from '../errors.js';
import { gatewayApiRouter, httpRouteSpec } from '../router-gateway-api.js';
import { isTerminalError, type KubeClient } from '@weft/reconcile-core';
import { callWebhook, webhookPayload } from '../webhooks.js';
import { maxWeight, nextStepWeight } from '../weights.js';

const canary: Canary = {
  apiVersion: 'progressive.weft.dev/v1',
  kind: 'Canary',
  metadata: { name: 'web', namespace: 'apps' },
  spec: { targetRef: { kind: 'Deployment', name: 'web' }, service: { port: 80, gatewayRefs: [{ name: 'gw' }] }, analysis: { interval: '10s', threshold: 1, match: [{ headers: { 'x-canary': { exact: 'insider' } } }] } },
  status: { lastAppliedSpec: 'abc', trackedConfigs: { 'configmap/a': '1' } },
};

describe('weights', () => {
  it('steps by stepWeight up to maxWeight, or along stepWeights', () => {
    expect(maxWeight({ interval: '1m', threshold: 1, stepWeight: 10 })).toBe(100);
    expect(maxWeight({ interval: '1m', threshold: 1, stepWeights: [1, 10, 120] })).toBe(100);
    expect(nextStepWeight({ interval: '1m', threshold: 1, stepWeights: [1, 10, 50] }, 10)).toBe(40);
    expect(nextStepWeight({ interval: '1m', threshold: 1, stepWeights: [1, 10, 50] }, 100)).toBe(1);
    expect(nextStepWeight({ interval: '1m', threshold: 1, stepWeights: [1, 10, 50] }, 37)).toBe(63);
  });
});

describe('query templates', () => {
  it("renders Flagger's names and variables, and refuses an unknown name", () => {
    const model = queryModel(canary, '1m', { code: '5..' });
    expect(renderQuery('x{ns="{{ namespace }}",app=~"{{ target }}-.*",code=~"{{ variables.code }}"}[{{interval}}] {{ index variables "code" }}', model)).toBe('x{ns="apps",app=~"web-.*",code=~"5.."}[1m] 5..');
    expect(() => renderQuery('{{ nope }}', model)).toThrow(QueryTemplateError);
    expect(() => renderQuery('{{ variables.missing }}', model)).toThrow(/no entry for key "missing"/);
  });
});

describe('metric evaluation', () => {
  it("uses thresholdRange, or the deprecated threshold with Flagger's sense per kind", () => {
    expect(evaluateMetric({ name: 'request-success-rate', threshold: 99 }, 'builtin', { kind: 'value', value: 98 }).outcome).toBe('failure');
    expect(evaluateMetric({ name: 'request-duration', threshold: 500 }, 'builtin', { kind: 'value', value: 400 }).outcome).toBe('success');
    expect(evaluateMetric({ name: 'x', query: 'q', thresholdRange: { min: 1, max: 2 } }, 'query', { kind: 'value', value: 3 })).toMatchObject({ outcome: 'failure', message: 'x 3 > 2' });
    expect(evaluateMetric({ name: 'x', query: 'q' }, 'query', { kind: 'noData', message: 'none' }).outcome).toBe('inconclusive');
  });

  it('converts built-in durations to whole milliseconds, as Flagger does', () => {
    expect(builtinQuery('gatewayapi:v1', 'request-duration').toThresholdUnit(0.0126)).toBe(12);
    expect(builtinQuery('nginx', 'request-duration').toThresholdUnit(12.9)).toBe(12);
    expect(builtinQuery('kubernetes', 'request-success-rate').template).toContain('http_request_duration_seconds_count');
  });
});

describe('JSONPath', () => {
  it('reads fields, indexes and quoted keys; refuses what it does not support', () => {
    const value = { data: { series: [{ 'error-rate': 0.5 }] } };
    expect(readJsonPath(value, "$.data.series[0]['error-rate']")).toBe(0.5);
    expect(readJsonPath(value, '$.data.missing')).toBeUndefined();
    expect(() => readJsonPath(value, '$..series')).toThrow(/not supported/);
  });
});

describe('readiness', () => {
  const now = new Date('2026-01-01T00:10:00Z');
  const deployment = (status: Record<string, unknown>, replicas = 2) => ({ metadata: { name: 'web', generation: 2 }, spec: { replicas }, status: { observedGeneration: 2, ...status } });
  it("follows Flagger's isDeploymentReady", () => {
    expect(deploymentReadiness(deployment({ updatedReplicas: 2, replicas: 2, availableReplicas: 2 }), 600, 100, now)).toEqual({ ready: true });
    expect(deploymentReadiness({ ...deployment({}), status: { observedGeneration: 1 } }, 600, 100, now)).toMatchObject({ ready: false, retriable: true });
    expect(deploymentReadiness(deployment({ updatedReplicas: 1, replicas: 2, availableReplicas: 1 }), 600, 100, now)).toMatchObject({ ready: false, message: expect.stringContaining('1 out of 2 new replicas') });
    expect(deploymentReadiness(deployment({ updatedReplicas: 2, replicas: 2, availableReplicas: 1 }), 600, 50, now)).toEqual({ ready: true });
    const stuck = { updatedReplicas: 2, replicas: 2, availableReplicas: 0, conditions: [{ type: 'Progressing', status: 'True' }, { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', lastUpdateTime: '2026-01-01T00:00:00Z' }] };
    expect(deploymentReadiness(deployment(stuck), 60, 100, now)).toMatchObject({ ready: false, retriable: false });
    expect(deploymentReadiness(deployment(stuck), 900, 100, now)).toMatchObject({ ready: false, retriable: true });
    expect(deploymentReadiness(deployment({ conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded' }] }), 600, 100, now)).toMatchObject({ ready: false, retriable: false });
  });
});

describe('revisions and tracked configs', () => {
  const podSpec = {
    volumes: [{ name: 'v', configMap: { name: 'cm' } }, { name: 's', secret: { secretName: 'sec', optional: true } }, { name: 'p', projected: { sources: [{ configMap: { name: 'proj' } }] } }],
    containers: [{ name: 'c', env: [{ name: 'E', valueFrom: { secretKeyRef: { name: 'sec2', key: 'k' } } }], envFrom: [{ configMapRef: { name: 'cm2' } }] }],
  };
  it('finds every ConfigMap and Secret a pod spec uses, and rewrites the tracked ones to -primary', () => {
    expect(configRefsOf(podSpec).map((ref) => `${ref.kind}/${ref.name}${ref.required ? '' : '?'}`)).toEqual(['configmap/cm', 'secret/sec?', 'configmap/proj', 'secret/sec2', 'configmap/cm2']);
    const rewritten = withPrimaryConfigs(podSpec, new Set(['configmap/cm', 'secret/sec2', 'configmap/proj']));
    expect(rewritten.volumes[0]?.configMap?.name).toBe('cm-primary');
    expect(rewritten.volumes[1]?.secret?.secretName).toBe('sec');
    expect(rewritten.volumes[2]?.projected?.sources[0]?.configMap?.name).toBe('proj-primary');
    expect(rewritten.containers[0]?.env[0]?.valueFrom.secretKeyRef.name).toBe('sec2-primary');
    expect(podSpec.volumes[0]?.configMap?.name).toBe('cm');
  });
  it('hashes a pod template whatever its key order', () => {
    expect(templateRevision({ a: 1, b: { c: 2, d: 3 } })).toBe(templateRevision({ b: { d: 3, c: 2 }, a: 1 }));
    expect(templateRevision({ a: 1 })).not.toBe(templateRevision({ a: 2 }));
  });
});

describe('the Gateway API route', () => {
  it('sends A/B matches to the canary in a first rule and the rest to the primary', () => {
    const spec = httpRouteSpec(canary, { primaryWeight: 0, canaryWeight: 100, mirrored: false });
    expect(spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }]);
    expect(spec.rules).toEqual([
      { matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ name: 'x-canary', type: 'Exact', value: 'insider' }] }], backendRefs: [{ group: '', kind: 'Service', name: 'web-primary', port: 80, weight: 0 }, { group: '', kind: 'Service', name: 'web-canary', port: 80, weight: 100 }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ group: '', kind: 'Service', name: 'web-primary', port: 80, weight: 100 }] },
    ]);
    const mirrored = httpRouteSpec({ ...canary, spec: { ...canary.spec, analysis: { interval: '10s', threshold: 1 } } }, { primaryWeight: 100, canaryWeight: 0, mirrored: true });
    expect(mirrored.rules?.[0]?.filters).toEqual([{ type: 'RequestMirror', requestMirror: { backendRef: { group: '', kind: 'Service', name: 'web-canary', port: 80 } } }]);
  });

  it('refuses a Canary without gatewayRefs with a terminal InvalidCanaryError naming it and the field, before touching the cluster', async () => {
    const untouched = new Proxy({}, { get: (_, verb) => () => Promise.reject(new Error(`the client was called (${String(verb)})`)) }) as KubeClient;
    const { gatewayRefs: _, ...service } = canary.spec.service;
    const error = await gatewayApiRouter(untouched).reconcile({ ...canary, spec: { ...canary.spec, service } }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidCanaryError);
    expect(isInvalidCanaryError(error) && isTerminalError(error)).toBe(true);
    expect((error as InvalidCanaryError).field).toBe('spec.service.gatewayRefs');
    expect((error as Error).message).toBe('Canary/apps/web: spec.service.gatewayRefs must name at least one Gateway for the gatewayapi:v1 provider');
  });
});

describe('HTTP endpoints', () => {
  let server: Server;
  let url: string;
  const answers = new Map<string, { status: number; body: string; delayMs?: number }>();
  let hits = 0;
  beforeAll(async () => {
    server = createServer((request, response) => {
      hits++;
      const answer = answers.get(new URL(request.url ?? '/', 'http://x').pathname) ?? { status: 404, body: '' };
      setTimeout(() => response.writeHead(answer.status).end(answer.body), answer.delayMs ?? 0).unref();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('Prometheus: a value, no data for an empty result or NaN, an error for a 4xx', async () => {
    answers.set('/api/v1/query', { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '99.5'] }] } }) });
    const provider = prometheusProvider({ address: `${url}/` });
    expect(await provider.query('sum(x)')).toEqual({ kind: 'value', value: 99.5 });
    answers.set('/api/v1/query', { status: 200, body: JSON.stringify({ data: { result: [] } }) });
    expect((await provider.query('sum(x)')).kind).toBe('noData');
    answers.set('/api/v1/query', { status: 200, body: JSON.stringify({ data: { result: [{ value: [1, 'NaN'] }] } }) });
    expect((await provider.query('sum(x)')).kind).toBe('noData');
    answers.set('/api/v1/query', { status: 400, body: 'bad query' });
    expect(await provider.query('sum(')).toMatchObject({ kind: 'error', message: expect.stringContaining('bad query') });
  });

  it('HTTP/JSON: the number at the JSONPath, no data where there is none, an error for a non-number', async () => {
    answers.set('/stats', { status: 200, body: JSON.stringify({ rate: 0.2, name: 'x', none: null }) });
    const provider = httpJsonProvider({ address: `${url}/stats` });
    expect(await provider.query('$.rate')).toEqual({ kind: 'value', value: 0.2 });
    expect((await provider.query('$.none')).kind).toBe('noData');
    expect((await provider.query('$.name')).kind).toBe('error');
  });

  it('webhooks: 2xx approves, a refusal carries its body, a slow hook times out, 5xx is retried', async () => {
    const payload = webhookPayload(canary, 'Progressing', { env: 'test' });
    expect(payload).toMatchObject({ name: 'web', namespace: 'apps', phase: 'Progressing', metadata: { env: 'test' } });
    answers.set('/ok', { status: 202, body: '' });
    answers.set('/no', { status: 403, body: 'not yet' });
    answers.set('/slow', { status: 200, body: '', delayMs: 2000 });
    answers.set('/broken', { status: 503, body: 'down' });
    expect(await callWebhook({ name: 'ok', url: `${url}/ok` }, payload)).toEqual({ ok: true });
    expect(await callWebhook({ name: 'no', url: `${url}/no` }, payload)).toEqual({ ok: false, message: 'not yet' });
    expect(await callWebhook({ name: 'slow', url: `${url}/slow`, timeout: '200ms' }, payload)).toMatchObject({ ok: false, message: expect.stringContaining('timed out') });
    // A timeout past setTimeout's limit (2^31−1 ms) is waited out, not turned into 1 ms.
    answers.set('/late', { status: 200, body: '', delayMs: 200 });
    expect(await callWebhook({ name: 'late', url: `${url}/late`, timeout: '1000h' }, payload)).toEqual({ ok: true });
    const before = hits;
    expect(await callWebhook({ name: 'broken', url: `${url}/broken`, retries: 2 }, payload, { retryDelayMs: 10 })).toEqual({ ok: false, message: 'down' });
    expect(hits - before).toBe(3);
  });
});
