import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { findControlPlaneBinaries, startApiServer, type InMemoryApiServer } from '@weft/testkit';
import { afterAll, beforeAll, describe } from 'vitest';
import { clusterKubeConfig, hasCluster } from '../support/cluster';

/** One of the two servers every conformance case runs against. */
export interface Target {
  readonly name: 'in-memory' | 'real';
  kubeConfig(): KubeConfig;
  /** A kubeconfig file for kubectl. */
  readonly kubeconfigPath: string;
  /** A fresh namespace (deleted after the file's cases). */
  namespace(prefix: string): Promise<string>;
  /** A raw request; the body is JSON-encoded unless it is a string. */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<RawResponse>;
  /** Runs the real kubectl against this server. */
  kubectl(args: readonly string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Opens a raw watch and collects its events until `stop()`. */
  watch(path: string): Promise<OpenWatch>;
}

/** A raw HTTP answer. */
export interface RawResponse {
  readonly status: number;
  readonly body: any;
  readonly text: string;
  /** The Warning header(s), joined. */
  readonly warning: string | undefined;
}

/** A raw watch stream. */
export interface OpenWatch {
  readonly events: { type: string; object: any }[];
  /** Resolves once `predicate` holds for the events seen so far (10 s at most). */
  until(predicate: (events: { type: string; object: any }[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Whether the server ended the stream. */
  readonly ended: boolean;
  stop(): void;
}

const kubectlBinary = (() => {
  const found = findControlPlaneBinaries(['kubectl']);
  return 'missing' in found ? undefined : found.kubectl;
})();

function open(kubeConfig: KubeConfig, kubeconfigPath: string, name: Target['name']): Target {
  const server = kubeConfig.getCurrentCluster()!.server;
  const client = server.startsWith('https') ? httpsRequest : httpRequest;
  const namespaces: string[] = [];
  const options = async (method: string, path: string, headers: Record<string, string>): Promise<RequestOptions> => {
    const url = new URL(path, server);
    const opts: RequestOptions = { method, hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, headers: { Accept: 'application/json', ...headers } };
    await kubeConfig.applyToHTTPSOptions(opts);
    return opts;
  };
  const target: Target = {
    name,
    kubeConfig: () => kubeConfig,
    kubeconfigPath,
    async namespace(prefix) {
      const namespace = `${prefix}-${randomBytes(3).toString('hex')}`;
      const created = await target.request('POST', '/api/v1/namespaces', { metadata: { name: namespace, labels: { 'weft.dev/test': 'conformance' } } });
      if (created.status !== 201) throw new Error(`namespace ${namespace}: ${created.text}`);
      namespaces.push(namespace);
      return namespace;
    },
    async request(method, path, body, headers = {}) {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      // Node sends a DELETE body unframed unless told its length.
      const framing: Record<string, string> = payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) } : {};
      const opts = await options(method, path, { ...framing, ...headers });
      return new Promise<RawResponse>((resolve, reject) => {
        const req = client(opts, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // Plain text (healthz) stays text.
            }
            const warning = res.headers['warning'];
            resolve({ status: res.statusCode ?? 0, body: parsed, text, warning: Array.isArray(warning) ? warning.join(', ') : warning });
          });
        });
        req.on('error', reject);
        if (payload !== undefined) req.write(payload);
        req.end();
      });
    },
    kubectl(args, input) {
      if (!kubectlBinary) throw new Error('kubectl is not built; run tools/control-plane/build.sh');
      return new Promise((resolve) => {
        const child = execFile(kubectlBinary, ['--kubeconfig', kubeconfigPath, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
        });
        if (input !== undefined) child.stdin!.end(input);
      });
    },
    async watch(path) {
      const opts = await options('GET', path, {});
      const events: { type: string; object: any }[] = [];
      let ended = false;
      let waiters: (() => void)[] = [];
      const notify = () => {
        for (const waiter of waiters) waiter();
      };
      const req = client(opts, (res) => {
        let buffer = '';
        res.on('data', (chunk: Buffer) => {
          buffer += chunk.toString('utf8');
          let newline = buffer.indexOf('\n');
          while (newline >= 0) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            if (line) events.push(JSON.parse(line));
            newline = buffer.indexOf('\n');
          }
          notify();
        });
        res.on('end', () => {
          ended = true;
          notify();
        });
      });
      req.on('error', () => {
        ended = true;
        notify();
      });
      req.end();
      await new Promise((resolve) => setTimeout(resolve, 150));
      return {
        events,
        get ended() {
          return ended;
        },
        until(predicate, timeoutMs = 10_000) {
          return new Promise<void>((resolve, reject) => {
            const check = () => {
              if (predicate(events)) {
                clearTimeout(timer);
                waiters = waiters.filter((waiter) => waiter !== check);
                resolve();
              }
            };
            const timer = setTimeout(() => reject(new Error(`watch ${path}: condition not met; saw ${JSON.stringify(events.map((event) => `${event.type}:${event.object?.metadata?.name ?? event.object?.metadata?.resourceVersion}`))}`)), timeoutMs);
            waiters.push(check);
            check();
          });
        },
        stop: () => req.destroy(),
      };
    },
  };
  cleanups.set(target, async () => {
    for (const namespace of namespaces) await target.request('DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
  });
  return target;
}

const cleanups = new WeakMap<Target, () => Promise<void>>();

/**
 * Declares a conformance suite that runs its cases twice: against the in-memory API server and
 * against the real kube-apiserver of the run (skipped, with the cluster suites, where it cannot run).
 */
export function conformance(title: string, cases: (target: () => Target) => void): void {
  describe.each([['in-memory'], ['real']] as const)(`%s: ${title}`, (name) => {
    describe.skipIf(name === 'real' && !hasCluster)('', () => {
      let current: Target | undefined;
      let server: InMemoryApiServer | undefined;
      beforeAll(async () => {
        if (name === 'in-memory') {
          server = await startApiServer();
          current = open(server.kubeConfig, server.kubeconfigPath, name);
        } else {
          const kubeConfig = clusterKubeConfig();
          const dir = mkdtempSync(join(tmpdir(), 'weft-conformance-'));
          const path = join(dir, 'kubeconfig');
          writeFileSync(path, kubeConfig.exportConfig());
          current = open(kubeConfig, path, name);
        }
      });
      afterAll(async () => {
        if (current) await cleanups.get(current)?.();
        await server?.stop();
      });
      cases(() => current!);
    });
  });
}
