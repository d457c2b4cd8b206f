import { type CommandSpec, clusterFlags, commands, offline } from '../commands.js';
import { namesOf } from '../catalogue.js';
import { CommandContext } from '../context.js';
import type { WeftIo } from '../io.js';

const commonKinds = ['deployment', 'statefulset', 'daemonset', 'service', 'configmap', 'secret', 'ingress', 'serviceaccount', 'job', 'cronjob', 'namespace'];

/**
 * `weft __complete <words…>`: the candidates for the last word (which may be empty), one per
 * line, for the shell scripts of `weft completion`. Names of objects come from the cluster; when
 * it cannot be reached there are simply none.
 */
export async function complete(words: readonly string[], io: WeftIo): Promise<number> {
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const print = (candidates: readonly string[]) => {
    const matching = candidates.filter((candidate) => candidate.startsWith(current));
    if (matching.length) io.stdout.write(`${matching.join('\n')}\n`);
    return 0;
  };
  if (before.length === 0) return print(commands.map((command) => command.name));
  const command = commands.find((candidate) => candidate.name === before[0]);
  if (!command) return 0;
  const flags = { ...command.flags, ...(offline.has(command.name) ? {} : clusterFlags) };
  const flagOf = (word: string) => Object.entries(flags).find(([name, spec]) => word === `--${name}` || (spec.short !== undefined && word === `-${spec.short}`));
  if (current.startsWith('-')) return print(Object.entries(flags).flatMap(([name, spec]) => [`--${name}`, ...(spec.short ? [`-${spec.short}`] : [])]));

  // The positional words and the flags given so far.
  const positionals: string[] = [];
  const given: Record<string, string | boolean> = {};
  for (let index = 1; index < before.length; index++) {
    const word = before[index]!;
    const flag = flagOf(word);
    if (flag) {
      if (flag[1].type === 'string') given[flag[0]] = before[++index] ?? '';
      else given[flag[0]] = true;
    } else if (!word.startsWith('-')) positionals.push(word);
  }
  const previous = flagOf(before.at(-1) ?? '');
  const context = new CommandContext(command, positionals, given, { ...io, stderr: { write: () => true } });
  try {
    if (previous && previous[1].type === 'string') return print(await valuesOf(previous[0], previous[1].choices, context));
    return print(await positionalCandidates(command, positionals, context));
  } catch {
    return 0;
  } finally {
    context.close();
  }
}

async function valuesOf(flag: string, choices: readonly string[] | undefined, context: CommandContext): Promise<string[]> {
  if (choices) return [...choices];
  if (flag === 'namespace') {
    const { client } = await context.connect();
    return (await client.listAll({ apiVersion: 'v1', kind: 'Namespace' })).items.map((item) => item.metadata.name);
  }
  if (flag === 'context') {
    const { readContexts } = await import('../kubeconfig.js');
    return readContexts({ kubeconfig: context.string('kubeconfig'), env: context.io.env, cwd: context.io.cwd });
  }
  return [];
}

async function positionalCandidates(command: CommandSpec, positionals: readonly string[], context: CommandContext): Promise<string[]> {
  const completes = command.completes;
  if (completes === undefined) return command.name === 'trace' && positionals.length === 0 ? commonKinds : [];
  if (Array.isArray(completes)) {
    if (positionals.length === 0) return [...completes];
    if (completes[0] === 'kustomization' && positionals.length === 1) return namesIn(context, ['kustomization']);
    return [];
  }
  const catalogue = await context.kinds();
  if (positionals.length === 0) return [...new Set([...(command.name === 'get' ? ['all'] : []), ...catalogue.flatMap((kind) => namesOf(kind).filter((name) => !name.includes(' ')))])];
  return namesIn(context, positionals);
}

async function namesIn(context: CommandContext, kindWords: readonly string[]): Promise<string[]> {
  const { resolveKind } = await import('../catalogue.js');
  const { kinds, consumed } = resolveKind(await context.kinds(), kindWords);
  if (consumed !== kindWords.length) return [];
  const { client } = await context.connect();
  const namespace = await context.namespace();
  return (await client.listAll(kinds[0]!, { namespace })).items.map((item) => item.metadata.name);
}
