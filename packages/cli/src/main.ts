import { parseArgs } from 'node:util';
import { type CommandSpec, type FlagSpec, clusterFlags, commandHelp, commands, mainHelp, offline } from './commands.js';
import { CommandContext } from './context.js';
import { UsageError } from './errors.js';
import type { WeftIo } from './io.js';
import { describeError } from './output/describe-error.js';

/**
 * Runs one `weft` command line and returns its exit code: what the `weft` binary does, callable
 * in process (tests, scripts).
 *
 * @remarks
 * Exit codes: 0 done; 1 a failure (a reconcile that ended not Ready, an object not found, a cluster
 * that cannot be reached); 2 a command line that does not parse; `weft diff`: 1 when something would
 * change, 2 or more on an error. A user's mistake is one line on standard error saying what to do,
 * never a stack trace; an unexpected error adds its stack only with `WEFT_DEBUG=1`.
 * @example
 * ```ts
 * import { runWeft } from '@weft/cli';
 *
 * const code = await runWeft(['get', 'kustomizations', '-A'], { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
 * ```
 */
export async function runWeft(argv: readonly string[], io: WeftIo): Promise<number> {
  let context: CommandContext | undefined;
  try {
    const [verb, ...rest] = argv;
    if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
      const topic = verb === 'help' ? rest[0] : undefined;
      const command = topic === undefined ? undefined : commandNamed(topic);
      io.stdout.write(command ? commandHelp(command) : mainHelp());
      return verb === undefined ? 2 : 0;
    }
    if (verb === '--version') return runWeft(['version'], io);
    if (verb === '__complete') {
      const { complete } = await import('./verbs/complete.js');
      return complete(rest, io);
    }
    const command = commandNamed(verb);
    const { values, positionals } = parseFlags(command, rest);
    if (values['help']) {
      io.stdout.write(commandHelp(command));
      return 0;
    }
    context = new CommandContext(command, positionals, values, io);
    const module = await command.load();
    return await module.run(context);
  } catch (error) {
    const { message, exitCode } = describeError(error, context, io.env);
    io.stderr.write(`${(context?.err ?? { red: (text: string) => text }).red('✗')} ${message}\n`);
    return exitCode;
  } finally {
    context?.close();
  }
}

function commandNamed(name: string): CommandSpec {
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    const near = commands.filter((candidate) => editDistance(candidate.name, name) <= 2).map((candidate) => candidate.name);
    throw new UsageError(`unknown verb "${name}"${near.length ? ` (did you mean ${near.join(' or ')}?)` : ''}: run weft --help for the verbs`, 2);
  }
  return command;
}

function parseFlags(command: CommandSpec, args: readonly string[]) {
  const specs: Record<string, FlagSpec> = { ...command.flags, ...(offline.has(command.name) ? {} : clusterFlags), help: { type: 'boolean', short: 'h', description: '' } };
  const options = Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, spec.short ? { type: spec.type, short: spec.short } : { type: spec.type }]));
  try {
    const parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    for (const [name, spec] of Object.entries(specs)) {
      const value = parsed.values[name];
      const chosen = typeof value === 'string' ? (spec.list ? value.split(',').map((item) => item.trim()) : [value]) : [];
      const refused = chosen.find((item) => spec.choices && !spec.choices.includes(item));
      if (refused !== undefined) throw new UsageError(`--${name} must be ${spec.list ? 'a comma-separated list of' : 'one of'} ${spec.choices!.join(', ')}, not "${refused}"`, 2);
    }
    return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as { code?: string }).code;
    const message = (error as Error).message.split('\n')[0]!.replace(/^Unknown option '([^']+)'.*$/, 'unknown flag $1').replace(/\. To specify a positional argument.*$/, '');
    throw new UsageError(`${message} for weft ${command.name}${code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? ` (weft ${command.name} --help lists its flags)` : ''}`, 2);
  }
}

/** Levenshtein distance, for "did you mean". */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}
