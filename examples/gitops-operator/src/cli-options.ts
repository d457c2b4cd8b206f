import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isLoopbackHost } from '@weft/web-view';
import { parseArgs } from 'node:util';
import { type Duration, type ShardSpec, WeftError, parseDuration, shardSelector } from '@weft/reconcile-core';
import type { RouterProvider } from '@weft/progressive';
import { type CanarySettings, type ControllerName, controllerNames, defaultControllers } from './controllers.js';

/** The usage text of `src/main.ts`. */
export const cliUsage = `Usage: gitops-operator [options]

  --kubeconfig PATH        cluster to run against (default: in-cluster, then $KUBECONFIG / ~/.kube/config)
  --in-memory              start @weft/testkit's in-memory API server and run against it
  --storage-dir DIR        artifact storage (default: a new temporary directory)
  --namespace NS           watch one namespace (default: all)
  --controllers LIST       the controllers to run, comma-separated (repeatable; the lists add up):
                           source, kustomize (the default, and always needed), image (ImageRepository,
                           ImagePolicy, ImageUpdateAutomation), progressive (Canary)
  --mesh-provider NAME     progressive: the router of Canaries without spec.provider: kubernetes (default),
                           gatewayapi:v1 or nginx (Flagger's -mesh-provider)
  --metrics-server URL     progressive: Prometheus for the built-in metrics (Flagger's -metrics-server)
  --canary-min-interval D  progressive: the shortest analysis interval honoured (default 10s, Flagger's;
                           lower only for demos and tests)
  --metrics-port PORT      serve Prometheus /metrics (0: any free port)
  --health-port PORT       serve /healthz and /readyz (0: any free port)
  --shard-key KEY          serve only objects labelled sharding.fluxcd.io/key=KEY (repeat for several keys);
                           label a shard's GitRepositories too, not only its Kustomizations
  --shard-main             serve only objects without that label (the main instance beside the shards)
  --no-leader-elect        run without leader election (default: run only while holding the Lease)
  --leader-election-id NAME     the Lease (default weft-gitops-operator; with a shard flag, suffixed
                           with the first 8 hex digits of the shard selector's SHA-256, as Flux does)
  --leader-elect-namespace NS   namespace of the Lease (default: $POD_NAMESPACE or default)
  --leader-election-lease-duration D  how long a Lease holds without renewal (default 15s)
  --leader-election-renew-deadline D  how long the leader retries renewing before it gives up (default 10s)
  --leader-election-retry-period D    how often candidates try to take the Lease and the leader renews (default 2s)
  --concurrent N           Kustomizations reconciled at once (default 4)
  --no-drift-watch         correct drift only on each interval (as Flux), not as it happens
  --no-install-crds        do not install the CRDs at start (they come with deploy/; no right to write CRDs needed)
  --ui-port PORT            serve the web view (@weft/web-view) on this port (0: any free port); read-only
  --ui-host HOST           address of the web view (default 127.0.0.1); beyond loopback only with a token
                           or --ui-auth-proxy
  --ui-token-file PATH     the web view's bearer token, read from a file (or $WEFT_UI_TOKEN); API requests
                           without it are refused
  --ui-auth-proxy HEADER   the web view sits behind your authenticating proxy, which sets HEADER
                           (e.g. x-forwarded-user) on every request it lets through
  --ui-write-actions       let the web view reconcile, suspend/resume and promote/abort canaries
  --log-level LEVEL        pino level (default info)
  -h, --help
`;

/** What the command line asks for. */
export interface CliOptions {
  help: boolean;
  kubeconfig?: string;
  inMemory: boolean;
  storageDir?: string;
  namespace?: string;
  /** The controllers to run (`--controllers`), in {@link controllerNames}' order. */
  controllers: readonly ControllerName[];
  /** The Canary controller's flags, when any is given (they need `progressive`). */
  canary?: CanarySettings;
  metricsPort?: number;
  healthPort?: number;
  /** Which objects this instance serves (`--shard-key`, `--shard-main`); absent: all. */
  shard?: ShardSpec;
  /** On unless `--no-leader-elect`; timings absent: reconcile-core's defaults (15s, 10s, 2s). */
  leaderElection?: { name: string; namespace: string; leaseDuration?: Duration; renewDeadline?: Duration; retryPeriod?: Duration };
  concurrency?: number;
  driftWatch: boolean;
  installCrds: boolean;
  logLevel: string;
  /** The web view, when `--ui-port` is given. */
  ui?: { port: number; host: string; token?: string; authProxyHeader?: string; writeActions: boolean };
}

/**
 * A command line that does not parse: an unknown flag, a port or count that is not a number.
 *
 * @remarks Not retryable: fix the command line.
 * @example
 * ```ts
 * try { parseCliOptions(['--metrics-port', 'x']); } catch (error) { if (error instanceof CliUsageError) console.error(error.message); }
 * ```
 */
export class CliUsageError extends WeftError {
  override name = 'CliUsageError';
}

/**
 * Parses the operator's flags (see {@link cliUsage}).
 *
 * @throws {@link CliUsageError} naming the flag.
 * @example
 * ```ts
 * parseCliOptions(['--in-memory', '--metrics-port', '0']); // { inMemory: true, metricsPort: 0, … }
 * ```
 */
export function parseCliOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        kubeconfig: { type: 'string' },
        'in-memory': { type: 'boolean', default: false },
        'storage-dir': { type: 'string' },
        namespace: { type: 'string' },
        controllers: { type: 'string', multiple: true },
        'mesh-provider': { type: 'string' },
        'metrics-server': { type: 'string' },
        'canary-min-interval': { type: 'string' },
        'metrics-port': { type: 'string' },
        'health-port': { type: 'string' },
        'shard-key': { type: 'string', multiple: true },
        'shard-main': { type: 'boolean', default: false },
        // Accepted for manifests written when election was opt-in; it is the default now.
        'leader-elect': { type: 'boolean', default: false },
        'no-leader-elect': { type: 'boolean', default: false },
        'leader-election-id': { type: 'string' },
        'leader-elect-namespace': { type: 'string' },
        'leader-election-lease-duration': { type: 'string' },
        'leader-election-renew-deadline': { type: 'string' },
        'leader-election-retry-period': { type: 'string' },
        concurrent: { type: 'string' },
        'no-drift-watch': { type: 'boolean', default: false },
        'no-install-crds': { type: 'boolean', default: false },
        'log-level': { type: 'string', default: 'info' },
        'ui-port': { type: 'string' },
        'ui-host': { type: 'string' },
        'ui-token-file': { type: 'string' },
        'ui-auth-proxy': { type: 'string' },
        'ui-write-actions': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new CliUsageError((error as Error).message, { cause: error });
  }
  const port = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isInteger(parsed) || parsed < 0 || parsed > 65535) throw new CliUsageError(`--${name}: '${value}' is not a port number`);
    return parsed;
  };
  const concurrency = values.concurrent === undefined ? undefined : Number(values.concurrent);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) throw new CliUsageError(`--concurrent: '${values.concurrent}' is not a positive integer`);
  if (values['in-memory'] && values.kubeconfig) throw new CliUsageError('--in-memory and --kubeconfig exclude each other');
  if (values['leader-elect'] && values['no-leader-elect']) throw new CliUsageError('--leader-elect and --no-leader-elect exclude each other');
  const shardKeys = values['shard-key'] ?? [];
  if (shardKeys.length > 0 && values['shard-main']) throw new CliUsageError('--shard-key and --shard-main exclude each other: the main instance serves the objects no shard claims');
  const shard: ShardSpec | undefined = values['shard-main'] ? { main: true } : shardKeys.length === 1 ? shardKeys[0]! : shardKeys.length > 1 ? { keys: shardKeys } : undefined;
  let selector: string | undefined;
  try {
    selector = shard === undefined ? undefined : shardSelector(shard);
  } catch (error) {
    throw new CliUsageError(`--shard-key: ${(error as Error).message}`, { cause: error });
  }
  const duration = (name: 'lease-duration' | 'renew-deadline' | 'retry-period'): Duration | undefined => {
    const value = values[`leader-election-${name}`];
    if (value === undefined) return undefined;
    try {
      parseDuration(value);
    } catch (error) {
      throw new CliUsageError(`--leader-election-${name}: ${(error as Error).message}`, { cause: error });
    }
    return value as Duration;
  };
  const timings = { leaseDuration: duration('lease-duration'), renewDeadline: duration('renew-deadline'), retryPeriod: duration('retry-period') };
  const leaseName = values['leader-election-id'] ?? shardLeaseName(defaultLeaseName, selector);
  const metricsPort = port('metrics-port', values['metrics-port']);
  const uiPort = port('ui-port', values['ui-port']);
  if (uiPort === undefined && (values['ui-host'] || values['ui-token-file'] || values['ui-auth-proxy'] || values['ui-write-actions'])) throw new CliUsageError('the --ui-… flags need --ui-port');
  let uiToken: string | undefined;
  if (values['ui-token-file'] !== undefined) {
    try {
      uiToken = readFileSync(values['ui-token-file'], 'utf8').trim();
    } catch (error) {
      throw new CliUsageError(`--ui-token-file: ${(error as Error).message}`, { cause: error });
    }
    if (!uiToken) throw new CliUsageError(`--ui-token-file: ${values['ui-token-file']} is empty`);
  } else if (env['WEFT_UI_TOKEN']) uiToken = env['WEFT_UI_TOKEN'];
  const ui =
    uiPort === undefined
      ? undefined
      : {
          port: uiPort,
          host: values['ui-host'] ?? '127.0.0.1',
          writeActions: values['ui-write-actions'],
          ...(uiToken ? { token: uiToken } : {}),
          ...(values['ui-auth-proxy'] ? { authProxyHeader: values['ui-auth-proxy'] } : {}),
        };
  if (ui && !isLoopbackHost(ui.host) && !ui.token && !ui.authProxyHeader) throw new CliUsageError(`--ui-host ${ui.host} is not loopback: give the web view a token (--ui-token-file or $WEFT_UI_TOKEN) or put it behind your auth proxy (--ui-auth-proxy)`);
  const healthPort = port('health-port', values['health-port']);
  const controllers = parseControllers(values.controllers);
  const canary = canarySettings(values, controllers);
  return {
    help: values.help,
    controllers,
    ...(canary ? { canary } : {}),
    inMemory: values['in-memory'],
    driftWatch: !values['no-drift-watch'],
    installCrds: !values['no-install-crds'],
    logLevel: values['log-level'],
    ...(values.kubeconfig !== undefined ? { kubeconfig: values.kubeconfig } : {}),
    ...(values['storage-dir'] !== undefined ? { storageDir: values['storage-dir'] } : {}),
    ...(values.namespace !== undefined ? { namespace: values.namespace } : {}),
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    ...(healthPort !== undefined ? { healthPort } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(ui ? { ui } : {}),
    ...(shard !== undefined ? { shard } : {}),
    ...(values['no-leader-elect']
      ? {}
      : {
          leaderElection: {
            name: leaseName,
            namespace: values['leader-elect-namespace'] ?? env['POD_NAMESPACE'] ?? 'default',
            ...Object.fromEntries(Object.entries(timings).filter(([, value]) => value !== undefined)),
          },
        }),
  };
}

/**
 * `--controllers`, given any number of times: the union of the lists, in {@link controllerNames}'
 * order; {@link defaultControllers} when absent.
 */
function parseControllers(values: readonly string[] | undefined): readonly ControllerName[] {
  if (values === undefined) return defaultControllers;
  const named = values.flatMap((value) => value.split(',')).map((name) => name.trim());
  for (const name of named) {
    if (!(controllerNames as readonly string[]).includes(name)) throw new CliUsageError(`--controllers: unknown controller '${name}' (known: ${controllerNames.join(', ')})`);
  }
  const selection = controllerNames.filter((name) => named.includes(name));
  // createGitOpsManager runs both; the others read GitRepositories (image write-back) or are added to its Manager.
  const missing = defaultControllers.filter((name) => !selection.includes(name));
  if (missing.length > 0) throw new CliUsageError(`--controllers: ${missing.join(' and ')} must be selected too: this operator always runs source and kustomize, and adds image and progressive to them`);
  return selection;
}

const meshProviders: readonly RouterProvider[] = ['kubernetes', 'gatewayapi:v1', 'nginx'];

/** The Canary controller's flags: each needs `progressive` among the controllers. */
function canarySettings(values: { 'mesh-provider'?: string | undefined; 'metrics-server'?: string | undefined; 'canary-min-interval'?: string | undefined }, controllers: readonly ControllerName[]): CanarySettings | undefined {
  const given = (['mesh-provider', 'metrics-server', 'canary-min-interval'] as const).filter((flag) => values[flag] !== undefined);
  if (given.length === 0) return undefined;
  if (!controllers.includes('progressive')) throw new CliUsageError(`--${given[0]} is a flag of the Canary controller: add progressive to --controllers`);
  const meshProvider = values['mesh-provider'];
  if (meshProvider !== undefined && !(meshProviders as readonly string[]).includes(meshProvider)) throw new CliUsageError(`--mesh-provider: '${meshProvider}' is not one of ${meshProviders.join(', ')}`);
  const metricsServer = values['metrics-server'];
  if (metricsServer !== undefined && !isHttpUrl(metricsServer)) throw new CliUsageError(`--metrics-server: '${metricsServer}' is not an http(s) URL`);
  const minInterval = values['canary-min-interval'];
  if (minInterval !== undefined) {
    try {
      parseDuration(minInterval);
    } catch (error) {
      throw new CliUsageError(`--canary-min-interval: ${(error as Error).message}`, { cause: error });
    }
  }
  return {
    ...(meshProvider !== undefined ? { meshProvider: meshProvider as RouterProvider } : {}),
    ...(metricsServer !== undefined ? { metricsServer } : {}),
    ...(minInterval !== undefined ? { minInterval } : {}),
  };
}

function isHttpUrl(text: string): boolean {
  try {
    return /^https?:$/.test(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** The Lease of an instance without a shard flag. */
export const defaultLeaseName = 'weft-gitops-operator';

/**
 * The Lease name of one shard: `base` suffixed with the first 8 hex digits of the SHA-256 of its
 * label selector, as Flux's controllers derive theirs (`leaderelection.GenerateID`), so every shard,
 * and the main instance, elects its own leader.
 *
 * @throws Never.
 * @example
 * ```ts
 * shardLeaseName('weft-gitops-operator', 'sharding.fluxcd.io/key in (shard1)'); // 'weft-gitops-operator-' + 8 hex digits
 * shardLeaseName('weft-gitops-operator', undefined); // 'weft-gitops-operator'
 * ```
 */
export function shardLeaseName(base: string, selector: string | undefined): string {
  return selector === undefined ? base : `${base}-${createHash('sha256').update(selector).digest('hex').slice(0, 8)}`;
}
