import { parseArgs } from 'node:util';
import { WeftError } from '@weft/reconcile-core';

/** The usage text of `src/main.ts`. */
export const cliUsage = `Usage: gitops-operator [options]

  --kubeconfig PATH        cluster to run against (default: in-cluster, then $KUBECONFIG / ~/.kube/config)
  --in-memory              start @weft/testkit's in-memory API server and run against it
  --storage-dir DIR        artifact storage (default: a new temporary directory)
  --namespace NS           watch one namespace (default: all)
  --metrics-port PORT      serve Prometheus /metrics (0: any free port)
  --health-port PORT       serve /healthz and /readyz (0: any free port)
  --leader-elect           run only while holding the Lease weft-gitops-operator
  --leader-elect-namespace NS   namespace of that Lease (default: $POD_NAMESPACE or default)
  --concurrent N           Kustomizations reconciled at once (default 4)
  --no-drift-watch         correct drift only on each interval (as Flux), not as it happens
  --no-install-crds        do not install the CRDs at start (they come with deploy/; no right to write CRDs needed)
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
  metricsPort?: number;
  healthPort?: number;
  leaderElection?: { name: string; namespace: string };
  concurrency?: number;
  driftWatch: boolean;
  installCrds: boolean;
  logLevel: string;
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
        'metrics-port': { type: 'string' },
        'health-port': { type: 'string' },
        'leader-elect': { type: 'boolean', default: false },
        'leader-elect-namespace': { type: 'string' },
        concurrent: { type: 'string' },
        'no-drift-watch': { type: 'boolean', default: false },
        'no-install-crds': { type: 'boolean', default: false },
        'log-level': { type: 'string', default: 'info' },
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
  const metricsPort = port('metrics-port', values['metrics-port']);
  const healthPort = port('health-port', values['health-port']);
  return {
    help: values.help,
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
    ...(values['leader-elect'] ? { leaderElection: { name: 'weft-gitops-operator', namespace: values['leader-elect-namespace'] ?? env['POD_NAMESPACE'] ?? 'default' } } : {}),
  };
}
