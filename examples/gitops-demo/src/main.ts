/**
 * The Weft GitOps demo, the README's first command (`npm run demo`).
 *
 * It starts a Kubernetes API server (in memory, or a real control plane with `--real-cluster`),
 * puts a sample app in a git repository served over smart HTTP, runs the GitOps operator from
 * `@weft/delivery` (createGitOpsManager, as examples/gitops-operator runs it) in this process, and walks through what GitOps is for: a first sync,
 * an edit behind git's back reverted, a new commit applied, a deleted file pruned, a broken commit
 * that leaves the last good revision running, the fix, a canary release, and a new image in a
 * registry committed by image automation and applied. Each step is checked.
 *
 * `--once` exits after the walk-through: 0 when every step passed, 1 naming the step that did not.
 * Without it the operator keeps running until Ctrl-C, for you to edit the cluster or push to the repository.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Kustomization, KustomizationKind } from '@weft/delivery';
import { type GitRepository, GitRepositoryKind } from '@weft/git-source';
import { KubeClient, NamespaceKind } from '@weft/reconcile-core';
import { startGitServer } from '@weft/testkit';
import { type ClusterMode, type DemoCluster, startCluster } from './cluster.js';
import { narrateClusterChanges } from './cluster-changes.js';
import { narrateConditions } from './narrate.js';
import { startOperator } from './operator.js';
import { startWebView } from './web-view.js';
import { ENVIRONMENTS, type Environment, initialFiles, PART_OF, PART_OF_LABEL } from './sample-app.js';
import { type DemoContext, StepTimeoutError, steps } from './steps.js';
import { shortRevision, Timeline } from './timeline.js';

const usage = `Usage: npm run demo -- [options]

  --once               walk through every step, check it, and exit (0: all passed, 1: a step failed)
  --real-cluster       run against a real control plane (etcd, kube-apiserver, controllers, kwok nodes)
                       instead of the in-memory API server (alias: --control-plane)
  --step-timeout SEC   how long one step may take (default 20, 45 with --real-cluster)
  --verbose            print the operator's own log lines (JSON, on stderr)
  --ui-port PORT       serve the web view on 127.0.0.1:PORT (default: a free port; 'off': no web view)
  --ui-write-actions   let the web view's buttons write (reconcile, suspend/resume, canary promote/abort)
  --help               this text`;

/** Where the GitRepository and Kustomizations live, as Flux's live in flux-system. */
const SYSTEM_NAMESPACE = 'weft-system';
const SOURCE = 'weft-demo';
const FIELD_MANAGER = 'weft-demo';

interface Settings {
  readonly once: boolean;
  readonly mode: ClusterMode;
  readonly stepTimeoutMs: number;
  readonly verbose: boolean;
  /** The web view's port (0: any free one), or undefined for none. */
  readonly uiPort: number | undefined;
  readonly uiWriteActions: boolean;
}

/** A command line the demo does not understand. */
class UsageError extends Error {
  override name = 'UsageError';
}

const options = {
  once: { type: 'boolean', default: false },
  'real-cluster': { type: 'boolean', default: false },
  'control-plane': { type: 'boolean', default: false },
  'step-timeout': { type: 'string' },
  verbose: { type: 'boolean', default: false },
  'ui-port': { type: 'string', default: '0' },
  'ui-write-actions': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

function parseSettings(argv: string[]): Settings | 'help' {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const mode: ClusterMode = values['real-cluster'] || values['control-plane'] ? 'control-plane' : 'in-memory';
  const seconds = values['step-timeout'] === undefined ? (mode === 'in-memory' ? 20 : 45) : Number(values['step-timeout']);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--step-timeout must be a positive number of seconds, not ${values['step-timeout']}`);
  const uiPort = values['ui-port'] === 'off' ? undefined : Number(values['ui-port']);
  if (uiPort !== undefined && (!Number.isInteger(uiPort) || uiPort < 0 || uiPort > 65535)) throw new UsageError(`--ui-port must be a port number or 'off', not ${values['ui-port']}`);
  return { once: values.once, mode, stepTimeoutMs: seconds * 1000, verbose: values.verbose, uiPort, uiWriteActions: values['ui-write-actions'] };
}

function gitRepository(url: string): GitRepository {
  return {
    apiVersion: GitRepositoryKind.apiVersion,
    kind: 'GitRepository',
    metadata: { name: SOURCE, namespace: SYSTEM_NAMESPACE },
    spec: { url, ref: { branch: 'main' }, interval: '1s', timeout: '20s' },
  };
}

function kustomization(environment: Environment, cluster: DemoCluster): Kustomization {
  return {
    apiVersion: KustomizationKind.apiVersion,
    kind: 'Kustomization',
    metadata: { name: environment, namespace: SYSTEM_NAMESPACE },
    spec: {
      sourceRef: { kind: 'GitRepository', name: SOURCE },
      path: `./overlays/${environment}`,
      interval: '1m',
      retryInterval: '2s',
      timeout: '60s',
      prune: true,
      // The in-memory server runs no controllers, so its Deployments never become available:
      // waiting for them would never end. A real control plane rolls them out on kwok nodes.
      wait: cluster.rollsOutDeployments,
      driftDetection: { mode: 'revert' },
    },
  };
}

async function main(): Promise<number> {
  const settings = parseSettings(process.argv.slice(2));
  if (settings === 'help') {
    console.log(usage);
    return 0;
  }
  const timeline = new Timeline();
  const stop = new AbortController();
  let interrupted = false;
  let interruptedAt = 0;
  process.on('SIGINT', () => {
    // tsx forwards the terminal's SIGINT to this process, which got it from the terminal too:
    // one Ctrl-C can arrive twice in a row. A second one a moment later means "stop now".
    if (interrupted) {
      if (Date.now() - interruptedAt < 1000) return;
      timeline.say('second Ctrl-C: exiting without cleaning up');
      process.exit(130);
    }
    interrupted = true;
    interruptedAt = Date.now();
    timeline.say('');
    timeline.action('Ctrl-C: shutting down');
    stop.abort(new Error('interrupted'));
  });

  timeline.say(`Weft GitOps demo: git → GitRepository → Kustomization (kustomize build, server-side apply, prune, drift) → cluster`);
  timeline.heading('setup');
  const cleanups: (() => Promise<void>)[] = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => timeline.fail(`cleanup: ${(error as Error).message}`));
  };

  let passed = 0;
  try {
    if (settings.mode === 'control-plane') timeline.action('starting etcd, kube-apiserver, controller manager, scheduler and kwok nodes (a few seconds)');
    const cluster = await startCluster(settings.mode, stop.signal);
    cleanups.push(() => cluster.stop());
    timeline.ok(cluster.description);

    const gitServer = await startGitServer();
    cleanups.push(() => gitServer.stop());
    const repo = await gitServer.createRepo(SOURCE, initialFiles());
    const firstSha = await repo.git('rev-parse', 'HEAD');
    timeline.ok(`git repository ${repo.url} (git http-backend): base/, overlays/staging/, overlays/production/ at ${firstSha.slice(0, 7)}`);

    const client = new KubeClient(cluster.kubeConfig);
    cleanups.push(async () => client.close());
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: SYSTEM_NAMESPACE } }, { kind: NamespaceKind, fieldManager: FIELD_MANAGER, signal: stop.signal });

    let operatorError: unknown;
    const operator = await startOperator(cluster.kubeConfig, {
      namespace: SYSTEM_NAMESPACE,
      timeline,
      verbose: settings.verbose,
      signal: stop.signal,
      onFailure: (error) => {
        operatorError = error;
        timeline.fail(`the operator stopped: ${(error as Error).message}`);
        stop.abort(error);
      },
    });
    cleanups.push(() => operator.stop());
    timeline.ok(`CRDs installed: ${GitRepositoryKind.kind} (${GitRepositoryKind.apiVersion}), ${KustomizationKind.kind} (${KustomizationKind.apiVersion})`);
    timeline.ok(`operator started in this process: GitRepository and Kustomization controllers watching ${SYSTEM_NAMESPACE}`);
    if (settings.uiPort !== undefined) {
      const webView = await startWebView(cluster.kubeConfig, operator.manager, { port: settings.uiPort, writeActions: settings.uiWriteActions });
      cleanups.push(() => webView.stop());
      timeline.ok(`web view: ${webView.url} (live; ${settings.uiWriteActions ? 'write actions on' : 'read-only'})`);
    }

    const conditions = narrateConditions(cluster.kubeConfig, SYSTEM_NAMESPACE, timeline);
    const changes = narrateClusterChanges(cluster.kubeConfig, `${PART_OF_LABEL}=${PART_OF}`, timeline);
    cleanups.push(async () => (conditions.unsubscribe(), changes.unsubscribe()));

    await client.apply(gitRepository(repo.url), { kind: GitRepositoryKind, fieldManager: FIELD_MANAGER, signal: stop.signal });
    timeline.action(`applied GitRepository/${SOURCE}: ${repo.url}, branch main, polled every second`);
    for (const environment of Object.keys(ENVIRONMENTS) as Environment[]) {
      const object = kustomization(environment, cluster);
      await client.apply(object, { kind: KustomizationKind, fieldManager: FIELD_MANAGER, signal: stop.signal });
      timeline.action(
        `applied Kustomization/${environment}: path ${object.spec.path}, prune, drift revert, wait ${object.spec.wait ? 'for every object' : 'off (no controllers in memory)'}`,
      );
    }

    const context: DemoContext = {
      client,
      cluster,
      repo,
      timeline,
      namespace: SYSTEM_NAMESPACE,
      source: SOURCE,
      lastGoodRevision: `main@sha1:${firstSha}`,
    };
    for (const [index, step] of steps.entries()) {
      const label = `step ${index + 1}/${steps.length}`;
      timeline.heading(`${label}: ${step.title}`);
      const started = Date.now();
      // A plain timer, not AbortSignal.timeout(): combined with AbortSignal.any on Node 20 the
      // timeout signal can be garbage-collected before it fires, and the step then waits forever.
      const deadline = new AbortController();
      const onStop = () => deadline.abort(stop.signal.reason);
      stop.signal.addEventListener('abort', onStop, { once: true });
      const timer = setTimeout(() => deadline.abort(new StepTimeoutError(`step timed out after ${settings.stepTimeoutMs / 1000}s`)), settings.stepTimeoutMs);
      try {
        await step.run(context, deadline.signal);
      } catch (error) {
        const cause = operatorError ?? error;
        timeline.fail(`${label} failed (${step.title}): ${cause instanceof Error ? cause.message : String(cause)}`);
        break;
      } finally {
        clearTimeout(timer);
        stop.signal.removeEventListener('abort', onStop);
      }
      passed += 1;
      timeline.ok(`${label} passed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    }

    timeline.say('');
    if (passed === steps.length) timeline.ok(`all ${steps.length} steps passed in ${timeline.elapsedSeconds().toFixed(1)}s (last good revision ${shortRevision(context.lastGoodRevision)})`);
    else if (!interrupted) timeline.fail(`the demo stopped at step ${passed + 1}/${steps.length}: ${steps[passed]?.title}`);

    if (!settings.once && !interrupted) {
      printWhatToTry(timeline, cluster, repo.url);
      await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    }
  } catch (error) {
    if (!interrupted) timeline.fail(`setup failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await cleanUp();
    timeline.ok('stopped: operator, git server and cluster');
  }
  if (passed === steps.length) return 0;
  return interrupted ? 130 : 1;
}

function printWhatToTry(timeline: Timeline, cluster: DemoCluster, url: string): void {
  const kubectl = cluster.kubectl ?? 'kubectl';
  // The weft command of packages/cli: its bundled binary when built, else its sources through tsx.
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const built = `${root}packages/cli/dist/bin/weft.js`;
  const weft = existsSync(built) ? `node ${built}` : `${root}node_modules/.bin/tsx ${root}packages/cli/src/bin.ts`;
  timeline.say(`
The operator keeps reconciling. In another terminal, try:

  export KUBECONFIG=${cluster.kubeconfigPath}
  alias weft='${weft}'
  weft get all -n ${SYSTEM_NAMESPACE}
  weft tree kustomization production -n ${SYSTEM_NAMESPACE}
  weft trace deployment web -n production
  ${kubectl} scale deployment web -n production --replicas 7     # reverted within a second
  weft events --for Kustomization/production -n ${SYSTEM_NAMESPACE}
  git clone ${url} && cd ${SOURCE}     # edit, commit, git push, then:
  weft reconcile kustomization production -n ${SYSTEM_NAMESPACE} --with-source

Press Ctrl-C to stop.`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${usage}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  },
);
