/**
 * Flagger v1.44.0, the fidelity oracle: built from its Go module by tools/flagger/build.sh,
 * run out of cluster against the run's control plane, with its CRDs and the Gateway API CRDs
 * (from the sigs.k8s.io/gateway-api module, tools/gateway-api/build.sh) installed first.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CustomResourceDefinitionKind, installCRDs, type CustomResourceDefinition, type KubeClient } from '@weft/reconcile-core';
import { eventually, findControlPlaneBinaries, freePorts } from '@weft/testkit';

const execFileAsync = promisify(execFile);
import { parseAllDocuments } from 'yaml';

const cache = join(process.env['WEFT_CACHE_DIR'] ?? join(homedir(), '.cache', 'weft'), 'bin');
export const flaggerVersion = 'v1.44.0';
export const gatewayApiVersion = 'v1.6.3';
export const flaggerDir = join(cache, `flagger-${flaggerVersion}`);
export const gatewayApiDir = join(cache, `gateway-api-${gatewayApiVersion}`);

/** What is missing to run the side-by-side tests, or undefined when everything is built. */
export function missingOracle(): string | undefined {
  if (!existsSync(join(flaggerDir, 'flagger')) || !existsSync(join(flaggerDir, 'crd.yaml'))) return `Flagger ${flaggerVersion} not built (run tools/flagger/build.sh)`;
  if (!existsSync(join(gatewayApiDir, 'gateway.networking.k8s.io_httproutes.yaml'))) return `Gateway API ${gatewayApiVersion} CRDs not fetched (run tools/gateway-api/build.sh)`;
  return undefined;
}

function crdsIn(file: string): CustomResourceDefinition[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((document) => document.toJS() as CustomResourceDefinition | null)
    .filter((crd): crd is CustomResourceDefinition => crd?.kind === 'CustomResourceDefinition');
}

/** Installs the Gateway API standard CRDs. */
export async function installGatewayApiCrds(client: KubeClient): Promise<void> {
  const files = readdirSync(gatewayApiDir).filter((file) => file.endsWith('.yaml'));
  await installCRDs(client, files.flatMap((file) => crdsIn(join(gatewayApiDir, file))), { fieldManager: 'weft-test' });
}

/**
 * Installs Flagger's CRDs (Canary, MetricTemplate, AlertProvider in flagger.app) with kubectl:
 * their descriptions are single-quoted scalars continued at the key's indentation, which Go's
 * YAML reads and the `yaml` package (rightly, by the spec) refuses.
 */
export async function installFlaggerCrds(client: KubeClient, kubeconfigPath: string): Promise<void> {
  const found = findControlPlaneBinaries();
  if ('missing' in found) throw new Error(`kubectl not built: ${found.missing.join(', ')}`);
  const kubectl = (...args: string[]) => execFileAsync(found.kubectl, [`--kubeconfig=${kubeconfigPath}`, ...args]);
  await kubectl('apply', '--server-side', '--field-manager=weft-test', '-f', join(flaggerDir, 'crd.yaml'));
  const deadline = Date.now() + 60_000;
  for (const name of ['canaries.flagger.app', 'metrictemplates.flagger.app', 'alertproviders.flagger.app']) {
    await eventually(`CRD ${name} to be Established`, async () => {
      const crd = (await client.get(CustomResourceDefinitionKind, name)) as CustomResourceDefinition;
      if (!crd.status?.conditions?.some((condition) => condition.type === 'Established' && condition.status === 'True')) throw new Error(`its conditions: ${JSON.stringify(crd.status?.conditions ?? [])}`);
      return crd;
    }, { timeoutMs: Math.max(0, deadline - Date.now()), intervalMs: 200 });
  }
}

export interface RunningFlagger {
  readonly process: ChildProcess;
  logs(): string;
  stop(): Promise<void>;
}

/** Starts Flagger out of cluster. Its CPU time is read from /proc by the benchmark. */
export async function startFlagger(options: { kubeconfigPath: string; meshProvider: string; metricsServer: string; namespace?: string }): Promise<RunningFlagger> {
  const [port] = await freePorts(1);
  const args = [
    `-kubeconfig=${options.kubeconfigPath}`,
    `-mesh-provider=${options.meshProvider}`,
    `-metrics-server=${options.metricsServer}`,
    `-port=${port}`,
    '-control-loop-interval=1s',
    '-log-level=info',
    '-enable-leader-election=false',
    ...(options.namespace ? [`-namespace=${options.namespace}`] : []),
  ];
  const child = spawn(join(flaggerDir, 'flagger'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-200_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    process: child,
    logs: () => log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
