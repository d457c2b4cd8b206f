import type { CommandContext } from './context.js';
import { extraComponents } from './deploy-files.js';

/** One flag of a command, as `node:util` `parseArgs` takes it, with its help line. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly description: string;
  /** The argument's name in help (`--timeout <duration>`). */
  readonly value?: string;
  /** Values for completion, and the only ones accepted. */
  readonly choices?: readonly string[];
  /** The value is a comma-separated list of {@link FlagSpec.choices}. */
  readonly list?: boolean;
}

/** What a verb's module exports. */
export interface VerbModule {
  run(context: CommandContext): Promise<number>;
}

/** A verb: its help, its flags, whether it talks to a cluster, and its code (loaded only when it runs). */
export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly description: string;
  readonly flags: Readonly<Record<string, FlagSpec>>;
  readonly examples: readonly string[];
  /** What the first arguments complete to: kinds (Weft's), any kind (trace), or fixed words. */
  readonly completes?: 'weft-kind' | 'kustomization' | readonly string[];
  readonly load: () => Promise<VerbModule>;
}

const timeout = (fallback: string): FlagSpec => ({ type: 'string', value: 'duration', description: `how long to wait (default ${fallback})` });

/** The flags every verb that talks to a cluster takes, as kubectl and flux spell them. */
export const clusterFlags: Readonly<Record<string, FlagSpec>> = {
  kubeconfig: { type: 'string', value: 'file', description: 'the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' },
  context: { type: 'string', value: 'name', description: 'the kubeconfig context to use (default: its current-context)' },
  namespace: { type: 'string', short: 'n', value: 'namespace', description: "the namespace (default: the context's, else default)" },
};

const allNamespaces: FlagSpec = { type: 'boolean', short: 'A', description: 'every namespace' };

/** Every verb, in the order `weft --help` lists them. */
export const commands: readonly CommandSpec[] = [
  {
    name: 'get',
    summary: 'Show the status of Weft resources, as flux get does',
    usage: 'weft get <kind>|all [name] [-A] [--watch] [-o table|json|yaml]',
    description: 'Prints NAME, REVISION, SUSPENDED, READY, MESSAGE and AGE of each object (Canaries: STATUS and WEIGHT); colour on a terminal only. With --watch the table is redrawn in place on a terminal, and each change is one more line elsewhere, until Ctrl-C.',
    flags: {
      'all-namespaces': allNamespaces,
      watch: { type: 'boolean', short: 'w', description: 'keep watching and show every change' },
      output: { type: 'string', short: 'o', value: 'format', description: 'table (default), json or yaml', choices: ['table', 'json', 'yaml'] },
    },
    examples: ['weft get kustomizations -A', 'weft get ks apps -n weft-system -o yaml', 'weft get sources git --watch', 'weft get all -n weft-system'],
    completes: 'weft-kind',
    load: () => import('./verbs/get.js'),
  },
  {
    name: 'reconcile',
    summary: 'Ask for a reconcile now and wait until it is done, as flux reconcile does',
    usage: 'weft reconcile <kind> <name> [--with-source] [--timeout 5m]',
    description: "Writes reconcile.weft.dev/requestedAt (and Flux's reconcile.fluxcd.io/requestedAt), shows a progress line until the controller has handled the request, then prints the result. Exits 1 when the reconcile failed or timed out. --with-source reconciles a Kustomization's GitRepository first.",
    flags: { 'with-source': { type: 'boolean', description: "reconcile the Kustomization's GitRepository first" }, timeout: timeout('5m') },
    examples: ['weft reconcile kustomization apps -n weft-system --with-source', 'weft reconcile source git shop -n weft-system', 'weft reconcile ks apps --timeout 2m'],
    completes: 'weft-kind',
    load: () => import('./verbs/reconcile.js'),
  },
  {
    name: 'suspend',
    summary: 'Suspend reconciliation (spec.suspend: true), as flux suspend does',
    usage: 'weft suspend <kind> <name>|--all',
    description: 'The controller skips a suspended object (no fetch, no apply, no drift correction) until it is resumed.',
    flags: { all: { type: 'boolean', description: 'every object of the kind in the namespace' }, 'all-namespaces': allNamespaces },
    examples: ['weft suspend kustomization apps -n weft-system', 'weft suspend ks --all -n weft-system'],
    completes: 'weft-kind',
    load: () => import('./verbs/suspend.js'),
  },
  {
    name: 'resume',
    summary: 'Resume reconciliation and wait for the reconcile it starts, as flux resume does',
    usage: 'weft resume <kind> <name>|--all [--timeout 5m]',
    description: 'Sets spec.suspend: false and requests a reconcile in the same write, then waits for it (exit 1 when it fails).',
    flags: { all: { type: 'boolean', description: 'every object of the kind in the namespace' }, 'all-namespaces': allNamespaces, timeout: timeout('5m') },
    examples: ['weft resume kustomization apps -n weft-system', 'weft resume ks --all -n weft-system'],
    completes: 'weft-kind',
    load: () => import('./verbs/suspend.js'),
  },
  {
    name: 'build',
    summary: 'Build local files as a Kustomization in the cluster would, as flux build kustomization does',
    usage: 'weft build kustomization <name> --path <dir>',
    description: "Reads the Kustomization from the cluster and builds --path with its targetNamespace and postBuild substitution (substituteFrom ConfigMaps and Secrets read from the cluster), adding the ownership labels the apply adds. Prints the objects as a YAML stream.",
    flags: { path: { type: 'string', value: 'dir', description: "the local directory that stands for the Kustomization's spec.path" } },
    examples: ['weft build kustomization apps -n weft-system --path ./deploy/production'],
    completes: ['kustomization'],
    load: () => import('./verbs/build.js'),
  },
  {
    name: 'diff',
    summary: 'Show what applying local files would change, as flux diff kustomization does',
    usage: 'weft diff kustomization <name> --path <dir>',
    description: 'Builds --path as `weft build` does and compares each object with the cluster by server-side dry run: created, drifted (a unified diff, Secret values masked), and what prune would delete. Exit code 0 when nothing would change, 1 when something would, 2 or more on an error (as kubectl diff).',
    flags: { path: { type: 'string', value: 'dir', description: "the local directory that stands for the Kustomization's spec.path" } },
    examples: ['weft diff kustomization apps -n weft-system --path ./deploy/production'],
    completes: ['kustomization'],
    load: () => import('./verbs/diff.js'),
  },
  {
    name: 'tree',
    summary: "Show a Kustomization's inventory as a tree with each object's health, as flux tree does",
    usage: 'weft tree kustomization <name> [-o json]',
    description: 'Nested Kustomizations are expanded; each object shows its kstatus health (healthy, progressing, failed, terminating, missing).',
    flags: { output: { type: 'string', short: 'o', value: 'format', description: 'tree (default) or json', choices: ['tree', 'json'] } },
    examples: ['weft tree kustomization apps -n weft-system'],
    completes: ['kustomization'],
    load: () => import('./verbs/tree.js'),
  },
  {
    name: 'trace',
    summary: 'Show which Kustomization applied an object, from which GitRepository and commit, and whether it has drifted',
    usage: 'weft trace <kind> <name> | <kind>/<name> [-n namespace] [--api-version group/version]',
    description: 'Any kind the cluster serves (deployment, configmap, deployments.apps, …). Drift is checked against a build of the applied revision, read from the GitRepository artifact; when the artifact cannot be read from here the trace says so.',
    flags: { 'api-version': { type: 'string', value: 'group/version', description: 'the kind\'s apiVersion, when its name alone is ambiguous' } },
    examples: ['weft trace deployment web -n production', 'weft trace configmap/settings -n production'],
    load: () => import('./verbs/trace.js'),
  },
  {
    name: 'events',
    summary: 'Show Events, of one object or of a namespace, as flux events does',
    usage: 'weft events [--for <kind>/<name>] [-A] [--watch]',
    description: "Events of events.k8s.io/v1 and core v1, oldest first. --for a Kustomization includes its GitRepository's. --watch then prints each new Event as it is written, until Ctrl-C.",
    flags: { for: { type: 'string', value: 'kind/name', description: 'only the events about this object' }, 'all-namespaces': allNamespaces, watch: { type: 'boolean', short: 'w', description: 'keep printing new Events' } },
    examples: ['weft events -n weft-system', 'weft events --for Kustomization/apps -n weft-system', 'weft events -A --watch'],
    load: () => import('./verbs/events.js'),
  },
  {
    name: 'install',
    summary: "Install the CRDs and the GitOps operator (examples/gitops-operator/deploy) with server-side apply",
    usage: 'weft install [--components-extra image-automation,progressive] [--export] [--dry-run] [--no-wait] [--timeout 5m] [--image ref] [-n weft-system]',
    description: "The operator runs the GitRepository and Kustomization controllers; --components-extra adds image automation (ImageRepository, ImagePolicy, ImageUpdateAutomation) and progressive delivery (Canary), each with its CRDs and RBAC, run by the same operator. --export prints the manifests and touches nothing; --dry-run shows what would be created or changed (server-side dry run). Otherwise the set is applied (Namespace and CRDs first) under the field manager weft, and the operator's Deployment is waited on unless --no-wait.",
    flags: {
      'components-extra': { type: 'string', value: 'list', description: `extra components, comma-separated: ${extraComponents.join(', ')}`, choices: extraComponents, list: true },
      export: { type: 'boolean', description: 'print the manifests instead of applying them' },
      'dry-run': { type: 'boolean', description: 'show what would change, apply nothing' },
      'no-wait': { type: 'boolean', description: "do not wait for the operator's Deployment to be available" },
      image: { type: 'string', value: 'ref', description: "the operator's image (default weft/gitops-operator:dev)" },
      timeout: timeout('5m'),
    },
    examples: ['weft install --export > weft.yaml', 'weft install --components-extra image-automation,progressive', 'weft install --dry-run', 'weft install --image registry.example.com/weft/gitops-operator:1.0'],
    load: () => import('./verbs/install.js'),
  },
  {
    name: 'uninstall',
    summary: 'Remove the operator and the CRDs (the extra components\' too); the applied workloads stay, as flux uninstall does',
    usage: 'weft uninstall [--dry-run] [--silent] [--keep-namespace]',
    description: "Deletes the operator, takes the finalizers off Weft's objects (so deleting the CRDs does not wait for an operator that is gone; what they applied stays), then deletes the CRDs and the namespace. Asks first on a terminal; --silent answers yes.",
    flags: {
      'dry-run': { type: 'boolean', description: 'show what would be deleted' },
      silent: { type: 'boolean', short: 's', description: 'do not ask for confirmation' },
      'keep-namespace': { type: 'boolean', description: "keep the operator's namespace" },
    },
    examples: ['weft uninstall --dry-run', 'weft uninstall --silent'],
    load: () => import('./verbs/install.js'),
  },
  {
    name: 'completion',
    summary: 'Print the shell completion script for bash, zsh or fish',
    usage: 'weft completion bash|zsh|fish',
    description: 'Completes verbs, kinds, flags and the names of objects in the cluster.',
    flags: {},
    examples: ['source <(weft completion bash)', 'weft completion zsh > "${fpath[1]}/_weft"', 'weft completion fish > ~/.config/fish/completions/weft.fish'],
    completes: ['bash', 'zsh', 'fish'],
    load: () => import('./verbs/completion.js'),
  },
  {
    name: 'version',
    summary: "Print weft's version",
    usage: 'weft version',
    description: '',
    flags: {},
    examples: ['weft version'],
    load: () => import('./verbs/version.js'),
  },
];

/** The verbs that never talk to a cluster (they take no kubeconfig flags). */
export const offline = new Set(['completion', 'version']);

/** `weft <verb> --help`. */
export function commandHelp(command: CommandSpec): string {
  const flags = { ...command.flags, ...(offline.has(command.name) ? {} : clusterFlags), timeout: command.flags['timeout'], help: { type: 'boolean', short: 'h', description: 'this help' } as FlagSpec };
  const rows = Object.entries(flags)
    .filter((entry): entry is [string, FlagSpec] => entry[1] !== undefined)
    .map(([name, flag]) => [`${flag.short ? `-${flag.short}, ` : '    '}--${name}${flag.value ? ` <${flag.value}>` : ''}`, flag.description] as const);
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    `${command.summary}.`,
    '',
    `Usage:\n  ${command.usage}`,
    ...(command.description ? ['', wrap(command.description)] : []),
    '',
    'Examples:',
    ...command.examples.map((example) => `  ${example}`),
    '',
    'Flags:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}   ${right}`),
    '',
  ].join('\n');
}

/** `weft --help`. */
export function mainHelp(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    "weft operates Weft's GitOps resources (GitRepository, Kustomization, Canary, MetricTemplate) the way flux does.",
    '',
    'Usage:\n  weft <verb> [arguments] [flags]',
    '',
    'Verbs:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}   ${command.summary}`),
    '',
    'Examples:',
    '  weft get kustomizations -A',
    '  weft reconcile ks apps -n weft-system --with-source',
    '  weft tree ks apps -n weft-system',
    '  weft trace deployment web -n production',
    '',
    'Every verb takes --kubeconfig, --context and -n/--namespace; `weft <verb> --help` shows its flags and examples.',
    '',
  ].join('\n');
}

function wrap(text: string, width = 96): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join('\n');
}
