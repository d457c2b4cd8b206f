import { describeObject } from '@weft/reconcile-core';
import { diffKustomization } from '@weft/delivery';
import type { CommandContext } from '../context.js';
import { buildLocal } from '../local-files.js';
import { describeError } from '../output/describe-error.js';
import { ProgressLine } from '../output/progress.js';

/**
 * `weft diff kustomization <name> --path <dir>`, as `flux diff kustomization`: `► X created`,
 * `► X drifted` with a unified diff, `► X deleted`. Exit 1 when anything would change; an error
 * is 2 (as kubectl diff), so scripts tell "changes" from "could not tell".
 */
export async function run(context: CommandContext): Promise<number> {
  try {
    const progress = new ProgressLine(context.io.stderr);
    progress.update('building and running a server-side dry run');
    const { client, kustomization, built } = await buildLocal(context).catch((error: unknown) => {
      progress.done(`${context.err.red('✗')} build failed`);
      throw error;
    });
    const changes = await diffKustomization(client, kustomization, built.objects, context.io.signal ? { signal: context.io.signal } : {});
    progress.done(`${context.err.green('✔')} dry run of ${built.objects.length} object${built.objects.length === 1 ? '' : 's'} done`);
    const style = context.out;
    const out: string[] = [];
    for (const entry of changes.entries) {
      if (entry.status === 'missing') out.push(style.green(`► ${entry.subject} created`));
      else if (entry.status === 'drifted') out.push(`► ${entry.subject} drifted`, colourDiff(entry.unified.trimEnd(), style));
    }
    for (const ref of changes.deleted) out.push(style.red(`► ${describeObject(ref)} deleted`));
    if (out.length) context.io.stdout.write(`${out.join('\n')}\n`);
    return changes.changed ? 1 : 0;
  } catch (error) {
    if ((error as { name?: string }).name === 'CancelledError') throw error;
    context.io.stderr.write(`${context.err.red('✗')} ${describeError(error, context, context.io.env).message}\n`);
    return 2;
  }
}

function colourDiff(unified: string, style: CommandContext['out']): string {
  if (!style.enabled) return unified;
  return unified
    .split('\n')
    .map((line) => (line.startsWith('+') && !line.startsWith('+++') ? style.green(line) : line.startsWith('-') && !line.startsWith('---') ? style.red(line) : line))
    .join('\n');
}
