import type { KubeClient } from '@weft/reconcile-core';
import { type ReconcileResult, requestReconcile, waitForReconcile } from '@weft/delivery';
import { type KindInfo, resolveKind } from '../catalogue.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { ProgressLine } from '../output/progress.js';

/** `weft reconcile`: request, wait with a progress line, print the result; 1 when it failed. */
export async function run(context: CommandContext): Promise<number> {
  const catalogue = await context.kinds();
  const { kinds, consumed } = resolveKind(catalogue, context.args);
  const kind = kinds[0]!;
  const name = context.arg(consumed, `the name of the ${kind.kind}`);
  const { client } = await context.connect();
  const namespace = await context.namespace();
  const timeout = context.string('timeout') ?? '5m';
  if (context.boolean('with-source')) {
    const object = await client.get(kind, name, { namespace, signal: context.io.signal });
    const sourceRef = (object['spec'] as { sourceRef?: { kind?: string; name?: string; namespace?: string } } | undefined)?.sourceRef;
    if (!sourceRef?.kind || !sourceRef.name) throw new UsageError(`${kind.kind} has no spec.sourceRef: leave out --with-source`, 2);
    const sourceKind = catalogue.find((candidate) => candidate.kind === sourceRef.kind);
    if (!sourceKind) throw new UsageError(`${kind.kind}/${namespace}/${name} names a source of kind ${sourceRef.kind}, which weft does not know`);
    const source = await reconcileOne(context, client, sourceKind, sourceRef.namespace ?? namespace, sourceRef.name, timeout);
    if (!source.ready) return 1;
  }
  const result = await reconcileOne(context, client, kind, namespace, name, timeout);
  return result.ready ? 0 : 1;
}

/** Requests one reconcile and waits for it, printing Flux's lines; shared with `weft resume`. */
export async function reconcileOne(context: CommandContext, client: KubeClient, kind: KindInfo, namespace: string, name: string, timeout: string, requested?: string): Promise<ReconcileResult> {
  const stderr = context.io.stderr;
  const style = context.err;
  let requestedAt = requested;
  if (requestedAt === undefined) {
    // A kind that takes no requests is refused before anything is printed or written.
    if (!('lastHandledReconcileAt' in (kind.schema.properties['status']?.properties ?? {}))) {
      throw new UsageError(`${kind.kind} does not take reconcile requests (its status has no lastHandledReconcileAt)${kind.kind === 'Canary' ? ': its controller advances it every spec.analysis.interval' : ''}`);
    }
    stderr.write(`► annotating ${kind.kind} ${name} in ${namespace} namespace\n`);
    ({ requestedAt } = await requestReconcile(client, kind, { namespace, name }, { signal: context.io.signal }));
    stderr.write(`${style.green('✔')} ${kind.kind} annotated\n`);
  }
  const progress = new ProgressLine(stderr);
  progress.update(`waiting for ${kind.kind} reconciliation`);
  let result: ReconcileResult;
  try {
    result = await waitForReconcile(client, kind, { namespace, name }, {
      requestedAt,
      timeout,
      signal: context.io.signal,
      onProgress: ({ handled, ready }) => progress.update(`waiting for ${kind.kind} reconciliation${handled && ready?.message ? `: ${ready.message}` : ''}`),
    });
  } catch (error) {
    progress.done(`${style.red('✗')} ${kind.kind} ${namespace}/${name} was not reconciled`);
    throw error;
  }
  if (result.ready) {
    const what = kind.kind === 'Kustomization' ? 'applied revision' : kind.kind === 'GitRepository' ? 'fetched revision' : 'reconciled';
    progress.done(`${style.green('✔')} ${kind.kind} reconciliation completed`);
    stderr.write(`${style.green('✔')} ${result.revision ? `${what} ${result.revision}` : result.message}\n`);
  } else {
    progress.done(`${style.red('✗')} ${kind.kind} reconciliation failed: ${result.reason}: ${result.message}`);
  }
  return result;
}
