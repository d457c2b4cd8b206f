import { afterEach, describe, expect, it } from 'vitest';
import { serveHealth, type HealthServer } from '../controller/health.js';
import { ControllerMetrics } from '../controller/metrics.js';
import { ShardingError, shardOf, shardSelector } from '../lifecycle/sharding.js';

describe('ControllerMetrics', () => {
  it('exports reconcile and workqueue figures under controller-runtime names', async () => {
    const metrics = new ControllerMetrics();
    metrics.started('webapp', 2);
    const queue = metrics.queue('webapp');
    queue.onAdd?.('prod/a');
    queue.onQueued?.('prod/a', 1);
    queue.onStarted?.('prod/a', 20, 0, 1);
    queue.onRetry?.('prod/a');
    metrics.reconciled({ controller: 'webapp', key: 'prod/a', result: 'success', durationMs: 12, startedAt: 0 });
    metrics.reconciled({ controller: 'webapp', key: 'prod/a', result: 'error', terminal: true, durationMs: 3, startedAt: 0 });
    metrics.leader('web-operator', true);
    const text = await metrics.registry.metrics();
    expect(text).toContain('controller_runtime_reconcile_total{controller="webapp",result="success"} 1');
    expect(text).toContain('controller_runtime_reconcile_total{controller="webapp",result="error"} 1');
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="webapp"} 1');
    expect(text).toContain('controller_runtime_terminal_reconcile_errors_total{controller="webapp"} 1');
    expect(text).toContain('controller_runtime_reconcile_time_seconds_count{controller="webapp"} 2');
    expect(text).toContain('controller_runtime_max_concurrent_reconciles{controller="webapp"} 2');
    expect(text).toContain('workqueue_adds_total{name="webapp",controller="webapp"} 1');
    expect(text).toContain('workqueue_depth{name="webapp",controller="webapp"} 0');
    expect(text).toContain('workqueue_retries_total{name="webapp",controller="webapp"} 1');
    expect(text).toContain('workqueue_queue_duration_seconds_count{name="webapp",controller="webapp"} 1');
    expect(text).toContain('leader_election_master_status{name="web-operator"} 1');
  });
});

describe('serveHealth', () => {
  let server: HealthServer | undefined;
  afterEach(async () => server?.close());

  it('serves /metrics, /healthz and /readyz', async () => {
    const metrics = new ControllerMetrics();
    metrics.started('webapp', 1);
    let ready = false;
    server = await serveHealth({ port: 0, host: '127.0.0.1', registry: metrics.registry, ready: () => ready });
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(500);
    ready = true;
    expect(await (await fetch(`${base}/readyz`)).text()).toBe('ok');
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('controller_runtime_max_concurrent_reconciles{controller="webapp"} 1');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});

describe('sharding', () => {
  it('builds Flux shard selectors', () => {
    expect(shardSelector('shard1')).toBe('sharding.fluxcd.io/key in (shard1)');
    expect(shardSelector({ keys: ['a', 'b'] })).toBe('sharding.fluxcd.io/key in (a,b)');
    expect(shardSelector({ main: true })).toBe('!sharding.fluxcd.io/key');
    expect(() => shardSelector('not valid!')).toThrow(ShardingError);
    expect(() => shardSelector({ keys: [] })).toThrow(ShardingError);
    expect(shardOf({ metadata: { labels: { 'sharding.fluxcd.io/key': 's2' } } })).toBe('s2');
    expect(shardOf({ metadata: {} })).toBeUndefined();
  });
});
