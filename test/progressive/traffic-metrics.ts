/**
 * A metrics endpoint whose request counters the tests steer per namespace: `good` (every request
 * succeeds, 20 ms), `bad` (half fail, 1 s) or `none` (no series: no traffic yet). The series are
 * the ones Flagger's built-in metrics query for the kubernetes and Gateway API providers
 * (`http_request_duration_seconds_*` with `kubernetes_namespace` and `kubernetes_pod_name`).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type TrafficMode = 'good' | 'bad' | 'none';

interface Series {
  mode: TrafficMode;
  since: number;
  /** Counters carried over from earlier modes, so they never go down. */
  base: { ok: number; failed: number; fast: number; slow: number };
}

export interface TrafficMetrics {
  /** `host:port` for Prometheus to scrape. */
  readonly target: string;
  /** Sets what the `<target>` pods of a namespace report from now on. */
  set(namespace: string, target: string, mode: TrafficMode): void;
  close(): Promise<void>;
}

const requestsPerSecond = 10;

export async function startTrafficMetrics(): Promise<TrafficMetrics> {
  const series = new Map<string, Series>();
  const counters = (entry: Series, now: number) => {
    const seconds = (now - entry.since) / 1000;
    const total = entry.mode === 'none' ? 0 : seconds * requestsPerSecond;
    const failed = entry.mode === 'bad' ? total / 2 : 0;
    const slow = entry.mode === 'bad' ? total : 0;
    return { ok: entry.base.ok + total - failed, failed: entry.base.failed + failed, fast: entry.base.fast + total - slow, slow: entry.base.slow + slow };
  };
  const server: Server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    const now = Date.now();
    const lines = ['# TYPE http_request_duration_seconds histogram'];
    for (const [key, entry] of series) {
      if (entry.mode === 'none' && entry.base.ok + entry.base.failed === 0) continue;
      const [namespace, target] = key.split('/');
      const pod = `kubernetes_namespace="${namespace}",kubernetes_pod_name="${target}-6d4cf56db6-x7k2p"`;
      const c = counters(entry, now);
      lines.push(`http_request_duration_seconds_count{${pod},status="200"} ${c.ok.toFixed(3)}`);
      lines.push(`http_request_duration_seconds_count{${pod},status="500"} ${c.failed.toFixed(3)}`);
      lines.push(`http_request_duration_seconds_bucket{${pod},le="0.025"} ${c.fast.toFixed(3)}`);
      lines.push(`http_request_duration_seconds_bucket{${pod},le="2"} ${(c.fast + c.slow).toFixed(3)}`);
      lines.push(`http_request_duration_seconds_bucket{${pod},le="+Inf"} ${(c.fast + c.slow).toFixed(3)}`);
    }
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    set(namespace, target, mode) {
      const key = `${namespace}/${target}`;
      const now = Date.now();
      const entry = series.get(key);
      series.set(key, { mode, since: now, base: entry ? counters(entry, now) : { ok: 0, failed: 0, fast: 0, slow: 0 } });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
