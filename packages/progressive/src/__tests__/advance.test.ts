import { describe, expect, it } from 'vitest';
import { advance } from '../advance.js';
import { answers, fmt, SimulatedRelease } from './simulated-release.js';

const successRate = { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' };

describe('initialisation', () => {
  it('creates the primary, waits for it, then routes to it, scales the target to zero and records the revision', () => {
    const release = new SimulatedRelease({ stepWeight: 50, maxWeight: 50, metrics: [successRate] });
    release.tick();
    expect(release.types(0)).toEqual(['initializeServices', 'createPrimary', 'event']);
    expect(release.canary.status?.phase).toBe('Initializing');
    release.tick();
    expect(release.types(1)).toEqual(['initializeServices', 'reconcileApexService', 'scaleTargetToZero', 'reconcileRoutes', 'updateStatus', 'event']);
    expect(release.canary.status).toMatchObject({ phase: 'Initialized', lastAppliedSpec: 'rev-1', lastPromotedSpec: 'rev-1', canaryWeight: 0 });
    expect(release.target.replicas).toBe(0);
    // Nothing changed: the next ticks only keep the objects in shape.
    release.tick();
    expect(release.types(2)).toEqual(['initializeServices', 'reconcileApexService', 'reconcileRoutes']);
  });

  it('waits while the primary has not rolled out, and fails when its progress deadline passed', () => {
    const release = new SimulatedRelease({ stepWeight: 50, metrics: [successRate] });
    release.primary = { revision: 'rev-1', readiness: { ready: false, retriable: true, message: 'waiting for rollout to finish' } };
    release.tick();
    expect(release.canary.status?.phase).toBe('Initializing');
    release.primary = { revision: 'rev-1', readiness: { ready: false, retriable: false, message: 'exceeded its progress deadline' } };
    release.tick();
    expect(release.step()).toMatchObject({ phase: 'Failed', routes: '100/0' });
  });

  it('does nothing at all while suspended', () => {
    const release = new SimulatedRelease({ stepWeight: 50 }, 'gatewayapi:v1', { suspend: true });
    release.tick();
    expect(release.types(0)).toEqual(['event']);
    expect(release.canary.status?.phase).toBe('Initializing');
  });

  it('reports a target it cannot use and goes no further', () => {
    const release = new SimulatedRelease({ stepWeight: 50 });
    const result = advance({ canary: release.canary, provider: 'gatewayapi:v1', target: { error: 'deployment web.apps not found' }, primary: 'missing', routes: release.routes, answers: new Map(), now: release.now });
    expect(result).toMatchObject({ kind: 'decided', actions: [{ type: 'event', severity: 'Warning', message: 'deployment web.apps not found' }] });
  });
});

describe('canary strategy', () => {
  it('promotes a good canary step by step: Progressing, weights 20…60, Promoting, Finalising, Succeeded', () => {
    const release = new SimulatedRelease({ stepWeight: 20, maxWeight: 60, metrics: [successRate], webhooks: [{ name: 'load', type: 'pre-rollout', url: 'http://hooks/load' }, { name: 'done', type: 'post-rollout', url: 'http://hooks/done' }] });
    release.initialize();
    release.release();
    const steps = release.runUntil(['Succeeded']);
    expect(fmt(steps)).toEqual([
      'Progressing w=0 f=0 i=0 r=100/0',
      'Progressing w=20 f=0 i=0 r=80/20',
      'Progressing w=40 f=0 i=0 r=60/40',
      'Progressing w=60 f=0 i=0 r=40/60',
      'Promoting w=60 f=0 i=0 r=40/60',
      'Finalising w=0 f=0 i=0 r=100/0',
      'Succeeded w=0 f=0 i=0 r=100/0',
    ]);
    expect(release.primary?.revision).toBe('rev-2');
    expect(release.target.replicas).toBe(0);
    expect(release.canary.status).toMatchObject({ lastAppliedSpec: 'rev-2', lastPromotedSpec: 'rev-2' });
    const last = release.actions.length - 1;
    expect(release.types(last)).toContain('postRolloutHooks');
    expect(release.checks.flat().filter((check) => check.kind === 'webhook').map((check) => check.kind === 'webhook' && check.webhook.name)).toEqual(['load']);
  });

  it('follows stepWeights, capping the last step at the total', () => {
    const release = new SimulatedRelease({ stepWeights: [5, 25, 100], metrics: [successRate] });
    release.initialize();
    release.release();
    const weights = release.runUntil(['Promoting']).map((step) => step.canaryWeight);
    expect(weights).toEqual([0, 5, 25, 100, 100]);
  });

  it('shifts traffic back to the primary by stepWeightPromotion before finalising', () => {
    const release = new SimulatedRelease({ stepWeight: 50, maxWeight: 50, stepWeightPromotion: 20, metrics: [successRate] });
    release.initialize();
    release.release();
    const steps = release.runUntil(['Succeeded']).slice(2);
    expect(fmt(steps)).toEqual([
      'Promoting w=50 f=0 i=0 r=50/50',
      'Promoting w=30 f=0 i=0 r=70/30',
      'Promoting w=10 f=0 i=0 r=90/10',
      'Finalising w=0 f=0 i=0 r=100/0',
      'Succeeded w=0 f=0 i=0 r=100/0',
    ]);
  });

  it('rolls a bad canary back when failed checks reach the threshold', () => {
    const release = new SimulatedRelease({ stepWeight: 20, maxWeight: 60, threshold: 2, metrics: [successRate] });
    release.initialize();
    release.release();
    release.tick();
    release.tick(); // weight 20
    release.answer = answers({ metrics: { 'request-success-rate': 80 } });
    const steps = release.runUntil(['Failed']);
    expect(fmt(steps)).toEqual(['Progressing w=20 f=1 i=0 r=80/20', 'Progressing w=20 f=2 i=0 r=80/20', 'Failed w=0 f=0 i=0 r=100/0']);
    expect(release.target.replicas).toBe(0);
    expect(release.events(release.actions.length - 1)).toContain('Rolling back web.apps failed checks threshold reached 2');
    expect(release.primary?.revision).toBe('rev-1');
    // The failed revision is not tried again by itself…
    release.tick();
    expect(release.step().phase).toBe('Failed');
    // …but a new one is.
    release.release('rev-3');
    release.tick();
    expect(release.step()).toMatchObject({ phase: 'Progressing', canaryWeight: 0 });
  });

  it('rolls back when the canary passes its progress deadline', () => {
    const release = new SimulatedRelease({ stepWeight: 20, metrics: [successRate] });
    release.initialize();
    release.release();
    release.tick();
    release.target = { ...release.target, readiness: { ready: false, retriable: true, message: 'waiting for rollout to finish' } };
    release.tick();
    expect(release.step().phase).toBe('Progressing');
    release.target = { ...release.target, readiness: { ready: false, retriable: false, message: 'exceeded its progress deadline' } };
    release.tick();
    expect(release.step()).toMatchObject({ phase: 'Failed', routes: '100/0' });
  });

  it('restarts the analysis when a new revision arrives mid-analysis', () => {
    const release = new SimulatedRelease({ stepWeight: 20, metrics: [successRate] });
    release.initialize();
    release.release();
    release.tick();
    release.tick();
    release.answer = answers({ metrics: { 'request-success-rate': 80 } });
    release.tick();
    expect(release.step()).toMatchObject({ canaryWeight: 20, failedChecks: 1 });
    release.release('rev-3');
    release.tick();
    expect(release.step()).toEqual({ phase: 'Progressing', canaryWeight: 0, failedChecks: 0, iterations: 0, routes: '100/0' });
    expect(release.canary.status?.lastAppliedSpec).toBe('rev-3');
  });

  it('restarts on a change of a tracked ConfigMap as on a new template', () => {
    const release = new SimulatedRelease({ stepWeight: 50, metrics: [successRate] });
    release.target = { ...release.target, trackedConfigs: { 'configmap/web-config': 'aaa' } };
    release.initialize();
    expect(release.canary.status?.trackedConfigs).toEqual({ 'configmap/web-config': 'aaa' });
    release.tick();
    expect(release.step().phase).toBe('Initialized');
    release.target = { ...release.target, trackedConfigs: { 'configmap/web-config': 'bbb' } };
    release.tick();
    expect(release.step().phase).toBe('Progressing');
  });

  it('does not start an analysis for a manual rollback to the promoted template', () => {
    const release = new SimulatedRelease({ stepWeight: 50, maxWeight: 50, metrics: [successRate] });
    release.initialize();
    release.release();
    release.runUntil(['Succeeded']);
    release.release('rev-3');
    release.tick();
    expect(release.step().phase).toBe('Progressing');
    release.release('rev-2'); // back to the promoted one, mid-analysis: Flagger treats it as no change
    release.tick();
    expect(release.step().phase).toBe('Progressing');
  });

  it('mirrors one step before shifting traffic when analysis.mirror is set', () => {
    const release = new SimulatedRelease({ stepWeight: 25, maxWeight: 50, mirror: true, metrics: [successRate] });
    release.initialize();
    release.release();
    const steps = release.runUntil(['Promoting']);
    expect(steps.map((step) => step.routes)).toEqual(['100/0', '100/0 mirrored', '75/25', '50/50', '50/50']);
  });

  it('calls the gates lazily: a failing metric means no confirm-traffic-increase call that tick', () => {
    const release = new SimulatedRelease({ stepWeight: 50, metrics: [successRate], webhooks: [{ name: 'more', type: 'confirm-traffic-increase', url: 'http://hooks/more' }] });
    release.initialize();
    release.release();
    release.tick();
    release.tick(); // 50
    release.answer = answers({ metrics: { 'request-success-rate': 50 } });
    release.tick();
    const lastChecks = release.checks[release.checks.length - 1]!;
    expect(lastChecks.map((check) => check.kind)).toEqual(['metric']);
  });

  it('holds the weight while confirm-traffic-increase says no', () => {
    const release = new SimulatedRelease({ stepWeight: 50, metrics: [successRate], webhooks: [{ name: 'more', type: 'confirm-traffic-increase', url: 'http://hooks/more' }] });
    release.initialize();
    release.release();
    release.answer = answers({ hooks: { more: false } });
    release.tick();
    release.tick();
    release.tick();
    expect(release.step()).toMatchObject({ phase: 'Progressing', canaryWeight: 0, routes: '100/0' });
    release.answer = answers({});
    release.tick();
    expect(release.step()).toMatchObject({ canaryWeight: 50 });
  });

  it('waits in WaitingPromotion while confirm-promotion says no, as Flagger records it (weight 0, iterations -1)', () => {
    const release = new SimulatedRelease({ stepWeight: 50, maxWeight: 50, metrics: [successRate], webhooks: [{ name: 'gate', type: 'confirm-promotion', url: 'http://hooks/gate' }] });
    release.initialize();
    release.release();
    release.answer = answers({ hooks: { gate: false } });
    const steps = [release.tick(), release.tick(), release.tick(), release.tick()];
    expect(fmt(steps)).toEqual([
      'Progressing w=0 f=0 i=0 r=100/0',
      'Progressing w=50 f=0 i=0 r=50/50',
      'WaitingPromotion w=0 f=0 i=-1 r=50/50',
      'WaitingPromotion w=0 f=0 i=-1 r=50/50',
    ]);
    release.answer = answers({});
    expect(fmt(release.runUntil(['Succeeded']))).toEqual(['Promoting w=0 f=0 i=-1 r=50/50', 'Finalising w=0 f=0 i=0 r=100/0', 'Succeeded w=0 f=0 i=0 r=100/0']);
  });

  it('rolls back from WaitingPromotion when the analysis keeps failing there', () => {
    const release = new SimulatedRelease({ stepWeight: 50, maxWeight: 50, threshold: 1, metrics: [successRate], webhooks: [{ name: 'gate', type: 'confirm-promotion', url: 'http://hooks/gate' }] });
    release.initialize();
    release.release();
    release.answer = answers({ hooks: { gate: false } });
    release.runUntil(['WaitingPromotion']);
    release.answer = answers({ hooks: { gate: false }, metrics: { 'request-success-rate': 10 } });
    expect(fmt(release.runUntil(['Failed']))).toEqual(['WaitingPromotion w=0 f=1 i=-1 r=50/50', 'Failed w=0 f=0 i=0 r=100/0']);
  });

  it('rolls back at once when a rollback webhook says so', () => {
    const release = new SimulatedRelease({ stepWeight: 20, metrics: [successRate], webhooks: [{ name: 'stop', type: 'rollback', url: 'http://hooks/stop' }] });
    release.initialize();
    release.release();
    release.answer = answers({ hooks: { stop: false } });
    release.tick();
    release.tick();
    expect(release.step().canaryWeight).toBe(20);
    release.answer = answers({ hooks: { stop: true } });
    release.tick();
    expect(release.step()).toMatchObject({ phase: 'Failed', routes: '100/0' });
    expect(release.events(release.actions.length - 1)).toContain('Rolling back web.apps manual webhook invoked');
  });

  it('counts a failing rollout webhook as a failed check', () => {
    const release = new SimulatedRelease({ stepWeight: 20, threshold: 5, webhooks: [{ name: 'acceptance', type: 'rollout', url: 'http://hooks/acceptance' }] });
    release.initialize();
    release.release();
    release.tick();
    release.tick();
    release.answer = answers({ hooks: { acceptance: false } });
    release.tick();
    expect(release.step()).toMatchObject({ canaryWeight: 20, failedChecks: 1 });
  });

  it('counts a failing pre-rollout webhook as a failed check and sends no traffic', () => {
    const release = new SimulatedRelease({ stepWeight: 20, threshold: 2, webhooks: [{ name: 'load', type: 'pre-rollout', url: 'http://hooks/load' }] });
    release.initialize();
    release.release();
    release.answer = answers({ hooks: { load: false } });
    expect(fmt(release.runUntil(['Failed']))).toEqual(['Progressing w=0 f=0 i=0 r=100/0', 'Progressing w=0 f=1 i=0 r=100/0', 'Progressing w=0 f=2 i=0 r=100/0', 'Failed w=0 f=0 i=0 r=100/0']);
  });

  it('halts in Waiting until confirm-rollout approves', () => {
    const release = new SimulatedRelease({ stepWeight: 50, metrics: [successRate], webhooks: [{ name: 'approve', type: 'confirm-rollout', url: 'http://hooks/approve' }] });
    release.initialize();
    release.release();
    release.answer = answers({ hooks: { approve: false } });
    release.tick();
    release.tick();
    expect(release.step()).toMatchObject({ phase: 'Waiting', canaryWeight: 0 });
    expect(release.target.replicas).toBe(0);
    release.answer = answers({});
    release.tick();
    expect(release.step().phase).toBe('Progressing');
    expect(release.target.replicas).toBe(2);
    const confirm = release.checks[release.checks.length - 1]![0]!;
    expect(confirm.kind === 'webhook' && confirm.phase).toBe('Waiting');
  });

  it('fails a promotion whose primary can no longer roll out, routing everything to the canary', () => {
    const release = new SimulatedRelease({ stepWeight: 50, maxWeight: 50, metrics: [successRate] });
    release.initialize();
    release.release();
    release.runUntil(['Promoting']);
    release.primary = { revision: 'rev-2', readiness: { ready: false, retriable: false, message: 'exceeded its progress deadline' } };
    release.tick();
    expect(release.step()).toMatchObject({ phase: 'Failed', canaryWeight: 100, routes: '0/100' });
  });

  it('promotes at once with skipAnalysis', () => {
    const release = new SimulatedRelease({ stepWeight: 50 }, 'gatewayapi:v1', { skipAnalysis: true });
    release.initialize();
    release.release();
    release.tick();
    expect(release.step().phase).toBe('Progressing');
    release.tick();
    expect(release.step()).toMatchObject({ phase: 'Succeeded', routes: '100/0' });
    expect(release.primary?.revision).toBe('rev-2');
  });
});

describe('A/B testing', () => {
  it('routes the matching requests to the canary for the iterations, then promotes', () => {
    const release = new SimulatedRelease({ iterations: 3, match: [{ headers: { 'x-canary': { exact: 'insider' } } }], metrics: [successRate] });
    release.initialize();
    release.release();
    expect(fmt(release.runUntil(['Succeeded']))).toEqual([
      'Progressing w=0 f=0 i=0 r=100/0',
      'Progressing w=0 f=0 i=1 r=0/100',
      'Progressing w=0 f=0 i=2 r=0/100',
      'Progressing w=0 f=0 i=3 r=0/100',
      'Promoting w=0 f=0 i=3 r=0/100',
      'Finalising w=0 f=0 i=0 r=100/0',
      'Succeeded w=0 f=0 i=0 r=100/0',
    ]);
  });
});

describe('blue-green', () => {
  it('with Gateway API: iterations on the canary service, then all traffic to the canary, then promotion', () => {
    const release = new SimulatedRelease({ iterations: 2, metrics: [successRate] });
    release.initialize();
    release.release();
    expect(fmt(release.runUntil(['Succeeded']))).toEqual([
      'Progressing w=0 f=0 i=0 r=100/0',
      'Progressing w=0 f=0 i=1 r=100/0',
      'Progressing w=0 f=0 i=2 r=100/0',
      'Progressing w=0 f=0 i=3 r=0/100',
      'Promoting w=0 f=0 i=3 r=0/100',
      'Finalising w=0 f=0 i=0 r=100/0',
      'Succeeded w=0 f=0 i=0 r=100/0',
    ]);
  });

  it('with the kubernetes provider: no routes to shift, Promoting goes straight to Finalising', () => {
    const release = new SimulatedRelease({ iterations: 2, metrics: [successRate] }, 'kubernetes');
    release.initialize();
    release.release();
    expect(fmt(release.runUntil(['Succeeded']))).toEqual([
      'Progressing w=0 f=0 i=0 r=100/0',
      'Progressing w=0 f=0 i=1 r=0/100',
      'Progressing w=0 f=0 i=2 r=0/100',
      'Progressing w=0 f=0 i=3 r=0/100',
      'Promoting w=0 f=0 i=3 r=0/100',
      'Finalising w=0 f=0 i=0 r=100/0',
      'Succeeded w=0 f=0 i=0 r=100/0',
    ]);
    expect(release.actions.flat().filter((action) => action.type === 'setRoutes')).toEqual([]);
  });

  it('with the kubernetes provider and no iterations: Flagger sets 10 and says so', () => {
    const release = new SimulatedRelease({ stepWeight: 10, metrics: [successRate] }, 'kubernetes');
    release.initialize();
    release.release();
    release.tick();
    release.tick();
    expect(release.events(release.actions.length - 1)).toContain('Setting canaryAnalysis.iterations: 10');
    expect(release.step().iterations).toBe(1);
  });

  it('mirrors traffic during the iterations when analysis.mirror is set', () => {
    const release = new SimulatedRelease({ iterations: 2, mirror: true, metrics: [successRate] });
    release.initialize();
    release.release();
    const routes = release.runUntil(['Promoting']).map((step) => step.routes);
    expect(routes).toEqual(['100/0', '100/0 mirrored', '100/0 mirrored', '0/100', '0/100']);
  });
});

describe('metrics', () => {
  it('counts no data as a failed check, as Flagger does', () => {
    const release = new SimulatedRelease({ stepWeight: 50, threshold: 3, metrics: [successRate] });
    release.initialize();
    release.release();
    release.tick();
    release.tick();
    release.answer = answers({ metrics: { 'request-success-rate': 'noData' } });
    release.tick();
    expect(release.step().failedChecks).toBe(1);
  });

  it('opt-in onInconclusive: Pause holds the analysis on no data instead of failing (flagger#1090)', () => {
    const release = new SimulatedRelease({ stepWeight: 50, threshold: 1, onInconclusive: 'Pause', metrics: [successRate] });
    release.initialize();
    release.release();
    release.tick();
    release.tick();
    release.answer = answers({ metrics: { 'request-success-rate': 'noData' } });
    release.tick();
    release.tick();
    expect(release.step()).toMatchObject({ phase: 'Progressing', canaryWeight: 50, failedChecks: 0 });
    expect(release.events(release.actions.length - 1).join()).toContain('onInconclusive is Pause');
    release.answer = answers({ metrics: { 'request-success-rate': 'error' } });
    release.tick();
    expect(release.step().phase).toBe('Progressing');
    expect(release.step().failedChecks).toBe(1);
  });

  it('runs built-in and inline-query metrics first, then templated ones, in order', () => {
    const release = new SimulatedRelease({
      stepWeight: 50,
      metrics: [
        { name: 'errors', templateRef: { name: 'errors' }, thresholdRange: { max: 1 } },
        { name: 'request-duration', thresholdRange: { max: 500 } },
        { name: 'p99', query: 'histogram_quantile(0.99, x)', thresholdRange: { max: 2 } },
      ],
    });
    release.initialize();
    release.release();
    release.answer = answers({ metrics: { errors: 0, 'request-duration': 100, p99: 1 } });
    release.tick();
    release.tick();
    release.tick();
    release.tick();
    const order = release.checks[release.checks.length - 1]!.map((check) => check.kind === 'metric' && `${check.source}:${check.metric.name}`);
    expect(order).toEqual(['builtin:request-duration', 'query:p99', 'template:errors']);
  });

  it('fails a metric that names neither a built-in, a query nor a template', () => {
    const release = new SimulatedRelease({ stepWeight: 50, metrics: [{ name: 'mystery' }] });
    release.initialize();
    release.release();
    release.tick();
    release.tick();
    release.tick();
    expect(release.step().failedChecks).toBe(1);
  });
});

describe('manual requests (beyond Flagger)', () => {
  it('retry: tries the failed revision again without a template change (flagger#862)', () => {
    const release = new SimulatedRelease({ stepWeight: 50, threshold: 1, metrics: [successRate] });
    release.initialize();
    release.release();
    release.answer = answers({ metrics: { 'request-success-rate': 1 } });
    release.tick();
    release.tick();
    release.tick();
    release.runUntil(['Failed']);
    release.answer = answers({});
    release.tick();
    expect(release.step().phase).toBe('Failed');
    release.canary = { ...release.canary, status: { ...release.canary.status, request: { action: 'retry' } } };
    release.tick();
    expect(release.step()).toMatchObject({ phase: 'Progressing', canaryWeight: 0 });
    expect(release.canary.status?.request).toBeUndefined();
    expect(release.canary.status?.lastRequest).toEqual({ action: 'retry' });
    expect(release.runUntil(['Succeeded']).at(-1)?.phase).toBe('Succeeded');
  });

  it('abort: rolls back at once, even while the canary is not ready', () => {
    const release = new SimulatedRelease({ stepWeight: 20, metrics: [successRate] });
    release.initialize();
    release.release();
    release.tick();
    release.tick();
    release.target = { ...release.target, readiness: { ready: false, retriable: true, message: 'crash looping' } };
    release.canary = { ...release.canary, status: { ...release.canary.status, request: { action: 'abort' } } };
    release.tick();
    expect(release.step()).toMatchObject({ phase: 'Failed', routes: '100/0' });
    expect(release.canary.status?.request).toBeUndefined();
  });

  it('promote: skips the rest of the analysis', () => {
    const release = new SimulatedRelease({ stepWeight: 10, metrics: [successRate] });
    release.initialize();
    release.release();
    release.tick();
    release.tick();
    release.canary = { ...release.canary, status: { ...release.canary.status, request: { action: 'promote' } } };
    release.tick();
    expect(release.step()).toMatchObject({ phase: 'Promoting', canaryWeight: 10 });
    expect(release.primary?.revision).toBe('rev-2');
  });

  it('pause and resume: a paused canary keeps its weights and counts nothing', () => {
    const release = new SimulatedRelease({ stepWeight: 10, metrics: [successRate] });
    release.initialize();
    release.release();
    release.tick();
    release.tick();
    release.canary = { ...release.canary, status: { ...release.canary.status, request: { action: 'pause' } } };
    release.answer = answers({ metrics: { 'request-success-rate': 1 } });
    release.tick();
    release.tick();
    expect(release.step()).toMatchObject({ phase: 'Progressing', canaryWeight: 10, failedChecks: 0 });
    expect(release.canary.status?.paused).toBe(true);
    release.answer = answers({});
    release.canary = { ...release.canary, status: { ...release.canary.status, request: { action: 'resume' } } };
    release.tick();
    expect(release.step()).toMatchObject({ canaryWeight: 20 });
    expect(release.canary.status?.paused).toBe(false);
  });

  it('a request that does not apply is dropped with a warning', () => {
    const release = new SimulatedRelease({ stepWeight: 10, metrics: [successRate] });
    release.initialize();
    release.canary = { ...release.canary, status: { ...release.canary.status, request: { action: 'abort' } } };
    release.tick();
    expect(release.canary.status?.request).toBeUndefined();
    expect(release.events(release.actions.length - 1).join()).toContain('Ignored abort request');
  });
});
