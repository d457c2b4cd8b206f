// What core-latency's processes say to each other over the fork() IPC channel, and the clock they share.
import { readFileSync } from 'node:fs';
import { Agent, request, type RequestOptions } from 'node:https';
import * as clientNode from '@kubernetes/client-node';

/**
 * Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on this
 * machine (`Date.now()` has 1 ms steps; `performance.now()` alone is relative to each process' start).
 */
export const wallClock = (): number => performance.timeOrigin + performance.now();

/** One observation of one ConfigMap: `[index in cm-<index>, resourceVersion, wallClock()]`. */
export type Observation = [index: number, resourceVersion: number, at: number];

/** One update the load generator got a response for: `[index, resourceVersion, sentAt, respondedAt]`. */
export type Update = [index: number, resourceVersion: number, sentAt: number, respondedAt: number];

/** Parent → observer. */
export type ObserverCommand = { type: 'highest' } | { type: 'collect' } | { type: 'stop' };

/** Observer → parent. */
export type ObserverReply =
  | { type: 'ready' }
  | { type: 'highest'; resourceVersion: number }
  | { type: 'collected'; observations: Observation[]; cpuMs: number; maxRssMb?: number; extra?: Record<string, number[]>; interruptions?: string[] };

/** Parent → load generator. */
export type LoadCommand = { type: 'run'; ratePerSecond: number; seconds: number; objects: number } | { type: 'stop' };

/** Load generator → parent. */
export type LoadReply = { type: 'done'; updates: Update[]; failed: number; firstFailure?: string; sendSeconds: number; lateSendsMs: number[]; cpuMs: number };

export const namespace = 'latency';
export const configMapsPath = `/api/v1/namespaces/${namespace}/configmaps`;

/** `cm-17` → 17. */
export const indexOf = (name: string): number => Number(name.slice(3));

/** CPU time this process has used, in ms. */
export const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * Plain `node:https` against the kubeconfig's cluster, credentials resolved once: the load generator
 * and the raw-watch floor use it so that neither depends on Weft or client-node's request path.
 */
export async function rawClient(kubeconfigPath: string, maxSockets: number): Promise<{ base: URL; options: RequestOptions; agent: Agent }> {
  const kubeConfig = new clientNode.KubeConfig();
  kubeConfig.loadFromString(readFileSync(kubeconfigPath, 'utf8'));
  const options: RequestOptions = { headers: {} };
  await kubeConfig.applyToHTTPSOptions(options);
  const agent = new Agent({ keepAlive: true, maxSockets, ca: options.ca, cert: options.cert, key: options.key, rejectUnauthorized: options.rejectUnauthorized });
  return { base: new URL(kubeConfig.getCurrentCluster()!.server), options: { headers: options.headers, agent }, agent };
}

export { request as httpsRequest };
