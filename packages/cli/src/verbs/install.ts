import { type KubeClient, type KubeObject, describeObject, isNotFoundError, isUnknownKindError, objectRef, parseDuration } from '@weft/reconcile-core';
import { applySet, diff, wait } from '@weft/drift';
import { toYamlStream } from '@weft/kustomize-lite';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { ProgressLine } from '../output/progress.js';
import { operatorManifests } from '../operator-manifests.js';

/** `weft install` and `weft uninstall`. */
export async function run(context: CommandContext): Promise<number> {
  if (context.args.length) throw new UsageError(`weft ${context.command.name} takes no arguments (${context.command.usage})`, 2);
  const objects = await operatorManifests({ namespace: context.string('namespace'), image: context.string('image') });
  if (context.command.name === 'install') return install(context, objects);
  return uninstall(context, objects);
}

const fieldManager = 'weft';

async function install(context: CommandContext, objects: KubeObject[]): Promise<number> {
  if (context.boolean('export')) {
    context.io.stdout.write(toYamlStream(objects as never));
    return 0;
  }
  const { client } = await context.connect();
  const stderr = context.io.stderr;
  const ok = context.err.green('✔');
  const signal = context.io.signal;
  if (context.boolean('dry-run')) {
    const plan = await diff(client, objects, { fieldManager, ...(signal ? { signal } : {}) });
    for (const entry of plan) {
      const action = entry.status === 'missing' ? 'created' : entry.status === 'drifted' ? 'configured' : 'unchanged';
      context.io.stdout.write(`► ${entry.subject} ${action} (dry run)\n`);
    }
    return 0;
  }
  stderr.write(`► installing the Weft GitOps operator (${objects.length} objects)\n`);
  const result = await applySet(client, objects, { fieldManager, ...(signal ? { signal } : {}) });
  for (const entry of result.entries) stderr.write(`${ok} ${entry.subject} ${entry.action}\n`);
  if (context.boolean('no-wait')) return 0;
  const deployments = objects.filter((object) => object.kind === 'Deployment').map((object) => objectRef(object));
  const progress = new ProgressLine(stderr);
  progress.update(`waiting for ${deployments.map(describeObject).join(', ')} to be available`);
  const waited = await wait(client, deployments, { timeout: parseDuration(context.string('timeout') ?? '5m'), interval: 1_000, ...(signal ? { signal } : {}) });
  if (waited.healthy) {
    progress.done(`${ok} install finished: the operator is available`);
    return 0;
  }
  progress.done(`${context.err.red('✗')} the operator is not available: ${[...waited.failed, ...waited.progressing].map((item) => `${item.subject}: ${item.reason}`).join('; ')} (its image must be pullable: --image)`);
  return 1;
}

async function uninstall(context: CommandContext, objects: KubeObject[]): Promise<number> {
  const dryRun = context.boolean('dry-run');
  const { client } = await context.connect();
  if (!dryRun && !context.boolean('silent')) {
    const question = 'Delete the Weft GitOps operator, its CRDs and every GitRepository and Kustomization? What they applied stays. [y/N] ';
    const reply = await context.io.readLine?.(question);
    if (reply === undefined) throw new UsageError('weft uninstall deletes the operator, its CRDs and every Weft object in them; pass --silent to confirm (there is no terminal to ask on)', 2);
    const answer = reply.trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') {
      context.io.stderr.write('nothing deleted\n');
      return 1;
    }
  }
  const stderr = context.io.stderr;
  const ok = context.err.green('✔');
  const suffix = dryRun ? ' (dry run)' : '';
  const crds = objects.filter((object) => object.kind === 'CustomResourceDefinition');
  const namespaces = objects.filter((object) => object.kind === 'Namespace');
  const rest = objects.filter((object) => !crds.includes(object) && !namespaces.includes(object));
  // The operator first, so nothing puts a finalizer back; then the finalizers, so deleting the CRDs does not wait on it.
  for (const object of rest) await remove(context, client, object, dryRun, `${ok} ${describeObject(objectRef(object))} deleted${suffix}`);
  for (const crd of crds) {
    const spec = crd['spec'] as { group: string; names: { kind: string }; versions: { name: string; storage?: boolean }[] };
    const version = spec.versions.find((candidate) => candidate.storage)?.name ?? spec.versions[0]!.name;
    const kind = { apiVersion: `${spec.group}/${version}`, kind: spec.names.kind };
    const items = await client.listAll(kind, { signal: context.io.signal }).catch((error: unknown) => (isUnknownKindError(error) || isNotFoundError(error) ? { items: [] as KubeObject[] } : Promise.reject(error)));
    for (const item of items.items.filter((candidate) => candidate.metadata.finalizers?.length)) {
      if (!dryRun) await client.patch(kind, item.metadata.name, { metadata: { finalizers: null } }, { namespace: item.metadata.namespace, signal: context.io.signal }).catch((error: unknown) => (isNotFoundError(error) ? undefined : Promise.reject(error)));
      stderr.write(`${ok} finalizers removed from ${describeObject(objectRef(item))}${suffix}\n`);
    }
  }
  for (const crd of crds) await remove(context, client, crd, dryRun, `${ok} ${describeObject(objectRef(crd))} deleted${suffix}`);
  if (!context.boolean('keep-namespace')) for (const namespace of namespaces) await remove(context, client, namespace, dryRun, `${ok} ${describeObject(objectRef(namespace))} deleted${suffix}`);
  stderr.write(`${ok} uninstall finished${suffix}\n`);
  return 0;
}

async function remove(context: CommandContext, client: KubeClient, object: KubeObject, dryRun: boolean, line: string): Promise<void> {
  try {
    await client.delete(object, object.metadata.name, { namespace: object.metadata.namespace, dryRun, signal: context.io.signal });
    context.io.stderr.write(`${line}\n`);
  } catch (error) {
    if (!isNotFoundError(error) && !isUnknownKindError(error)) throw error;
  }
}
