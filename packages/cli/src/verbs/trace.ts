import { type KubeClient, type ObjectRef, parseApiVersion } from '@weft/reconcile-core';
import { type ObjectTrace, traceObject } from '@weft/delivery';
import type { GitRepository } from '@weft/git-source';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';

/** The apiVersions a kind name is looked up in, in order, after Weft's own. */
const commonApiVersions = ['v1', 'apps/v1', 'batch/v1', 'networking.k8s.io/v1', 'rbac.authorization.k8s.io/v1', 'policy/v1', 'autoscaling/v2', 'apiextensions.k8s.io/v1', 'storage.k8s.io/v1', 'coordination.k8s.io/v1', 'gateway.networking.k8s.io/v1'];

/** `weft trace <kind> <name>`: Flux's trace, with the object's health and whether it has drifted. */
export async function run(context: CommandContext): Promise<number> {
  let [word, name] = context.args;
  if (word?.includes('/') && name === undefined) [word, name] = word.split('/', 2) as [string, string];
  if (!word || !name || context.args.length > 2) throw new UsageError(`name one object: ${context.command.usage}`, 2);
  const { client } = await context.connect();
  const ref = await resolveObject(context, client, word, name);
  const trace = await traceObject(client, ref, context.io.signal ? { signal: context.io.signal } : {});
  context.io.stdout.write(render(trace, context));
  return 0;
}

async function resolveObject(context: CommandContext, client: KubeClient, word: string, name: string): Promise<ObjectRef> {
  const lower = word.toLowerCase();
  const dot = lower.indexOf('.');
  const [resource, group] = dot > 0 ? [lower.slice(0, dot), lower.slice(dot + 1)] : [lower, undefined];
  const explicit = context.string('api-version');
  const weft = (await context.kinds()).map((kind) => kind.apiVersion);
  const candidates = explicit ? [explicit] : [...new Set([...weft, ...commonApiVersions])].filter((apiVersion) => group === undefined || parseApiVersion(apiVersion).group === group);
  for (const apiVersion of candidates) {
    const resources = await client.mapper.apiResources(apiVersion, { signal: context.io.signal });
    const found = resources?.find((candidate) => !candidate.name.includes('/') && [candidate.name, candidate.singularName, candidate.kind.toLowerCase(), ...(candidate.shortNames ?? [])].includes(resource));
    if (found) {
      const namespace = found.namespaced ? await context.namespace() : undefined;
      return { ...parseApiVersion(apiVersion), kind: found.kind, name, ...(namespace ? { namespace } : {}) };
    }
  }
  throw new UsageError(`the cluster serves no kind "${word}"${explicit ? ` in ${explicit}` : ''}: name it as kubectl does (deployment, configmap, deployments.apps), or pass --api-version`);
}

function render(trace: ObjectTrace, context: CommandContext): string {
  const style = context.out;
  const lines: string[] = [];
  const field = (label: string, value: string | undefined) => value !== undefined && value !== '' && lines.push(`${`${label}:`.padEnd(17)}${value}`);
  const object = trace.object;
  field('Object', `${object.ref.kind}/${object.ref.name}`);
  field('Namespace', object.ref.namespace);
  field('Status', 'Managed by Weft');
  field('Health', object.health.status === 'healthy' ? style.green('healthy') : style.yellow(`${object.health.status}: ${object.health.reason}`));
  lines.push('---');
  const kustomization = trace.kustomization;
  field('Kustomization', kustomization.ref.name);
  field('Namespace', kustomization.ref.namespace);
  field('Target', kustomization.object.spec.targetNamespace);
  field('Path', kustomization.object.spec.path ?? './');
  field('Revision', kustomization.revision);
  field('Commit', trace.commit);
  conditionLines(kustomization.ready, field, style);
  if (trace.source) {
    lines.push('---');
    const repository = trace.source.object as GitRepository;
    field('GitRepository', trace.source.ref.name);
    field('Namespace', trace.source.ref.namespace);
    field('URL', repository.spec.url);
    const reference = repository.spec.ref ?? {};
    if (reference.commit) field('Commit', reference.commit);
    else if (reference.tag) field('Tag', reference.tag);
    else if (reference.semver) field('Tag', reference.semver);
    else field('Branch', reference.branch ?? 'master');
    field('Revision', trace.source.revision);
    conditionLines(trace.source.ready, field, style);
  }
  lines.push('---');
  const drift = trace.drift;
  if (drift.status === 'in-sync') field('Drift', style.green(`none: matches ${kustomization.revision}`));
  else if (drift.status === 'missing') field('Drift', style.red('the object is gone from the cluster'));
  else if (drift.status === 'unknown') field('Drift', style.yellow(`unknown: ${drift.reason ?? ''}`));
  else {
    field('Drift', style.red(`drifted from ${kustomization.revision}: ${drift.changes.map((change) => change.path).join(', ')}`));
    lines.push(drift.unified.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

function conditionLines(ready: ObjectTrace['kustomization']['ready'], field: (label: string, value: string | undefined) => unknown, style: CommandContext['out']): void {
  if (!ready) {
    field('Status', 'Unknown');
    return;
  }
  field('Status', ready.status === 'False' ? style.red(`Last reconciliation failed at ${ready.lastTransitionTime}`) : `Last reconciled at ${ready.lastTransitionTime}`);
  field('Message', ready.message);
}
