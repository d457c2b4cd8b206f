import { existsSync, readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { UsageError } from './errors.js';

/** Where a command connects to: the kubeconfig's chosen context, read as kubectl reads it. */
export interface ClusterTarget {
  /** What reconcile-core's `KubeClient` takes. */
  readonly kubeConfig: KubeConfig;
  /** The context's name. */
  readonly context: string;
  /** The context's namespace, `default` when it names none. */
  readonly namespace: string;
  /** The apiserver URL. */
  readonly server: string;
  /** The kubeconfig files read, for error messages. */
  readonly files: readonly string[];
}

/** How to find the kubeconfig: `--kubeconfig`, `--context`, and the environment (`KUBECONFIG`, `HOME`). */
export interface KubeconfigFlags {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

interface Named<T> {
  name: string;
  cluster?: T;
  user?: T;
  context?: T;
}
interface ClusterEntry {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
}
interface UserEntry {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  username?: string;
  password?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
}
interface ContextEntry {
  cluster?: string;
  user?: string;
  namespace?: string;
}
interface KubeconfigFile {
  clusters?: Named<ClusterEntry>[];
  users?: Named<UserEntry>[];
  contexts?: Named<ContextEntry>[];
  'current-context'?: string;
}

/**
 * Reads the kubeconfig as kubectl does (`--kubeconfig`, else every file of `KUBECONFIG` merged with
 * the first one of a name winning, else `~/.kube/config`, else the pod's service account), picks
 * the context (`--context`, else `current-context`), and returns what a `KubeClient` needs.
 *
 * @remarks
 * Static credentials (client certificates, bearer tokens and token files, basic auth, CA and
 * `insecure-skip-tls-verify`) are read here, without `@kubernetes/client-node`, whose loading costs
 * more than the rest of a `weft get`. A user with an `exec` or `auth-provider` plugin, or a cluster
 * behind a `proxy-url`, is handed to client-node's own `KubeConfig`, loaded then.
 * @throws {@link UsageError} naming the file or the context when either is missing or unreadable.
 */
export async function loadClusterTarget(flags: KubeconfigFlags): Promise<ClusterTarget> {
  const files = kubeconfigFiles(flags);
  if (files.length === 0) return inClusterTarget(flags);
  const merged: Required<Pick<KubeconfigFile, 'clusters' | 'users' | 'contexts'>> & { current?: string; origin: Map<object, string> } = { clusters: [], users: [], contexts: [], origin: new Map() };
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(`kubeconfig ${file} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (error as Error).message})`}${flags.kubeconfig ? ' (--kubeconfig)' : flags.env['KUBECONFIG'] ? ' (KUBECONFIG)' : ''}: point --kubeconfig or KUBECONFIG at your cluster's kubeconfig`);
    }
    let config: KubeconfigFile;
    try {
      config = (parse(text) ?? {}) as KubeconfigFile;
    } catch (error) {
      throw new UsageError(`kubeconfig ${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
    }
    for (const key of ['clusters', 'users', 'contexts'] as const) {
      for (const entry of config[key] ?? []) {
        if (!entry?.name || merged[key].some((existing) => existing.name === entry.name)) continue;
        merged[key].push(entry as never);
        merged.origin.set(entry, file);
      }
    }
    merged.current ??= config['current-context'] || undefined;
  }
  const contextName = flags.context ?? merged.current;
  const where = files.length === 1 ? `kubeconfig ${files[0]}` : `kubeconfigs ${files.join(', ')}`;
  if (!contextName) throw new UsageError(`${where} has no current-context: pass --context (one of: ${merged.contexts.map((entry) => entry.name).join(', ') || 'none'})`);
  const context = merged.contexts.find((entry) => entry.name === contextName);
  if (!context) throw new UsageError(`context "${contextName}" is not in ${where}${flags.context ? ' (--context)' : ''}: known contexts are ${merged.contexts.map((entry) => entry.name).join(', ') || 'none'}`);
  const clusterName = context.context?.cluster;
  const cluster = merged.clusters.find((entry) => entry.name === clusterName);
  if (!cluster?.cluster?.server) throw new UsageError(`context "${contextName}" in ${where} names cluster "${clusterName ?? ''}", which is not there or has no server`);
  const user = merged.users.find((entry) => entry.name === context.context?.user);
  const namespace = context.context?.namespace || 'default';
  const server = cluster.cluster.server;
  const base = (entry: object) => dirname(merged.origin.get(entry) ?? files[0]!);
  const needsClientNode = Boolean(user?.user?.exec || user?.user?.['auth-provider'] || cluster.cluster['proxy-url']);
  const kubeConfig = needsClientNode
    ? await clientNodeKubeConfig(files, contextName)
    : staticKubeConfig(
        { name: cluster.name, ...cluster.cluster, server, dir: base(cluster) },
        { name: user?.name ?? '', ...(user?.user ?? {}), dir: user ? base(user) : base(cluster) },
        contextName,
      );
  return { kubeConfig, context: contextName, namespace, server, files };
}

function kubeconfigFiles(flags: KubeconfigFlags): string[] {
  if (flags.kubeconfig) return [resolve(flags.cwd, flags.kubeconfig)];
  const fromEnv = flags.env['KUBECONFIG'];
  if (fromEnv) return fromEnv.split(delimiter).filter(Boolean).map((file) => resolve(flags.cwd, file));
  const home = flags.env['HOME'] ?? homedir();
  const fallback = join(home, '.kube', 'config');
  if (existsSync(fallback)) return [fallback];
  return [];
}

const serviceAccount = '/var/run/secrets/kubernetes.io/serviceaccount';

function inClusterTarget(flags: KubeconfigFlags): ClusterTarget {
  const host = flags.env['KUBERNETES_SERVICE_HOST'];
  const port = flags.env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port || !existsSync(join(serviceAccount, 'token'))) {
    throw new UsageError('no kubeconfig: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config');
  }
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const namespace = existsSync(join(serviceAccount, 'namespace')) ? readFileSync(join(serviceAccount, 'namespace'), 'utf8').trim() : 'default';
  const kubeConfig = staticKubeConfig({ name: 'in-cluster', server, 'certificate-authority': join(serviceAccount, 'ca.crt'), dir: '/' }, { name: 'in-cluster', tokenFile: join(serviceAccount, 'token'), dir: '/' }, 'in-cluster');
  return { kubeConfig, context: 'in-cluster', namespace, server, files: [] };
}

/**
 * The part of client-node's `KubeConfig` that reconcile-core's transport calls
 * (`getCurrentCluster`, `getCurrentUser`, `applyToHTTPSOptions`), for static credentials.
 * The tests run every verb through it, against the in-memory server and kube-apiserver.
 */
function staticKubeConfig(cluster: ClusterEntry & { name: string; server: string; dir: string }, user: UserEntry & { name: string; dir: string }, context: string): KubeConfig {
  const file = (path: string, dir: string) => readFileSync(isAbsolute(path) ? path : join(dir, path));
  const data = (value: string) => Buffer.from(value, 'base64');
  const material = (inline: string | undefined, path: string | undefined, dir: string, what: string): Buffer | undefined => {
    try {
      return inline ? data(inline) : path ? file(path, dir) : undefined;
    } catch (error) {
      throw new UsageError(`context "${context}": the ${what} ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  };
  const ca = material(cluster['certificate-authority-data'], cluster['certificate-authority'], cluster.dir, 'certificate authority');
  const cert = material(user['client-certificate-data'], user['client-certificate'], user.dir, 'client certificate');
  const key = material(user['client-key-data'], user['client-key'], user.dir, 'client key');
  const shape = {
    getCurrentContext: () => context,
    getCurrentCluster: () => ({ name: cluster.name, server: cluster.server, skipTLSVerify: cluster['insecure-skip-tls-verify'] === true }),
    getCurrentUser: () => ({ name: user.name }),
    async applyToHTTPSOptions(options: RequestOptions): Promise<void> {
      if (ca) options.ca = ca;
      if (cert) options.cert = cert;
      if (key) options.key = key;
      if (cluster['insecure-skip-tls-verify']) options.rejectUnauthorized = false;
      if (cluster['tls-server-name']) options.servername = cluster['tls-server-name'];
      const token = user.token ?? (user.tokenFile ? material(undefined, user.tokenFile, user.dir, 'token file')!.toString('utf8').trim() : undefined);
      if (token) options.headers = { ...options.headers, Authorization: `Bearer ${token}` };
      else if (user.username !== undefined) options.auth = `${user.username}:${user.password ?? ''}`;
    },
  };
  return shape as unknown as KubeConfig;
}

async function clientNodeKubeConfig(files: readonly string[], context: string): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kubeConfig = new KubeConfig();
  // client-node merges the files of KUBECONFIG itself; its exec and auth-provider plugins and proxy agents do the rest.
  kubeConfig.loadFromDefault({}, false);
  if (files.length === 1) kubeConfig.loadFromFile(files[0]!);
  kubeConfig.setCurrentContext(context);
  return kubeConfig;
}

/** The context names of the kubeconfig, for completion; none when it cannot be read. */
export function readContexts(flags: Omit<KubeconfigFlags, 'context'>): string[] {
  const names: string[] = [];
  for (const file of kubeconfigFiles({ ...flags, context: undefined })) {
    try {
      const config = (parse(readFileSync(file, 'utf8')) ?? {}) as KubeconfigFile;
      for (const entry of config.contexts ?? []) if (entry?.name && !names.includes(entry.name)) names.push(entry.name);
    } catch {
      // An unreadable file completes to nothing.
    }
  }
  return names;
}
