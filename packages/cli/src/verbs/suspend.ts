import type { KubeClient, KubeObject } from '@weft/reconcile-core';
import { resumeResource, suspendResource } from '@weft/delivery';
import { type KindInfo, resolveKind } from '../catalogue.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { reconcileOne } from './reconcile.js';

/** `weft suspend` and `weft resume` (one object or `--all`), as flux suspend / resume. */
export async function run(context: CommandContext): Promise<number> {
  const resume = context.command.name === 'resume';
  const { kinds, consumed } = resolveKind(await context.kinds(), context.args);
  const kind = kinds[0]!;
  const name = context.args[consumed];
  const all = context.boolean('all');
  if (all === (name !== undefined)) throw new UsageError(`name one ${kind.kind} or pass --all: ${context.command.usage}`, 2);
  const { client } = await context.connect();
  const namespace = context.boolean('all-namespaces') ? undefined : await context.namespace();
  const targets: { namespace: string; name: string }[] = all
    ? (await client.listAll(kind, { namespace, signal: context.io.signal })).items.map((object: KubeObject) => ({ namespace: object.metadata.namespace ?? '', name: object.metadata.name }))
    : [{ namespace: namespace!, name: name! }];
  if (targets.length === 0) {
    context.io.stderr.write(`No ${kind.kind} objects found${namespace ? ` in namespace ${namespace}` : ''}.\n`);
    return 0;
  }
  let failed = 0;
  for (const target of targets) {
    if (!(await one(context, client, kind, target, resume))) failed++;
  }
  return failed ? 1 : 0;
}

async function one(context: CommandContext, client: KubeClient, kind: KindInfo, target: { namespace: string; name: string }, resume: boolean): Promise<boolean> {
  const stderr = context.io.stderr;
  const ok = context.err.green('✔');
  if (!resume) {
    stderr.write(`► suspending ${kind.kind} ${target.name} in ${target.namespace} namespace\n`);
    await suspendResource(client, kind, target, { signal: context.io.signal });
    stderr.write(`${ok} ${kind.kind} suspended\n`);
    return true;
  }
  stderr.write(`► resuming ${kind.kind} ${target.name} in ${target.namespace} namespace\n`);
  const { requestedAt } = await resumeResource(client, kind, target, { signal: context.io.signal });
  stderr.write(`${ok} ${kind.kind} resumed\n`);
  if (!requestedAt) return true;
  return (await reconcileOne(context, client, kind, target.namespace, target.name, context.string('timeout') ?? '5m', requestedAt)).ready;
}
