import { writeFile } from 'node:fs';
import { build } from './build.js';
import { syncNodeFs } from './file-system.js';
import type { LoadRestrictor } from './load-restrictor.js';
import { toYamlStream } from './manifest-yaml.js';

/** What a CLI run produced: exit code and the text for stdout and stderr. */
export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

const usage = `Usage:
  weft-kustomize build [DIR] [flags]

Flags:
      --load-restrictor string   LoadRestrictionsRootOnly (default) or LoadRestrictionsNone
  -o, --output string            write the YAML stream to this file instead of stdout
      --reorder string           legacy (default) or none; a kustomization's sortOptions win
  -h, --help                     help for build
`;

function failure(message: string): CliResult {
  return { exitCode: 1, stdout: '', stderr: `Error: ${message}\n` };
}

/**
 * Runs `weft-kustomize` with command-line arguments (without `node` and the script path).
 *
 * @remarks
 * Mirrors `kustomize build`: a multi-document YAML stream on stdout (or in `-o FILE`); on error,
 * exit code 1 and `Error: <message>` on stderr. Never throws for build errors.
 *
 * @throws Only for failures writing `-o FILE`.
 *
 * @example
 * ```ts
 * import { runCli } from '@weft/kustomize-lite';
 *
 * const { exitCode, stdout, stderr } = await runCli(['build', 'overlays/prod', '--reorder', 'none']);
 * ```
 */
export async function runCli(argv: readonly string[], options: { signal?: AbortSignal } = {}): Promise<CliResult> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') return { exitCode: 0, stdout: usage, stderr: '' };
  if (command !== 'build') return failure(`unknown command "${command}" for "weft-kustomize"`);
  let directory: string | undefined;
  let loadRestrictor: LoadRestrictor = 'LoadRestrictionsRootOnly';
  let reorder: 'legacy' | 'none' | undefined;
  let output: string | undefined;
  for (let index = 0; index < rest.length; index++) {
    const argument = rest[index] as string;
    const [flag, inline] = argument.startsWith('--') && argument.includes('=') ? [argument.slice(0, argument.indexOf('=')), argument.slice(argument.indexOf('=') + 1)] : [argument, undefined];
    const value = (): string | undefined => inline ?? rest[++index];
    switch (flag) {
      case '-h':
      case '--help':
        return { exitCode: 0, stdout: usage, stderr: '' };
      case '--load-restrictor':
      case '--load_restrictor': {
        const restrictor = value();
        if (restrictor !== 'LoadRestrictionsRootOnly' && restrictor !== 'LoadRestrictionsNone') {
          return failure(`illegal flag value --load-restrictor ${restrictor ?? ''}; legal values: [LoadRestrictionsRootOnly LoadRestrictionsNone]`);
        }
        loadRestrictor = restrictor;
        break;
      }
      case '--reorder': {
        const order = value();
        if (order !== 'legacy' && order !== 'none') return failure(`illegal flag value --reorder ${order ?? ''}; legal values: [legacy none]`);
        reorder = order;
        break;
      }
      case '-o':
      case '--output':
        output = value();
        if (output === undefined) return failure('flag needs an argument: --output');
        break;
      default:
        if (flag.startsWith('-')) return failure(`unknown flag: ${flag}`);
        if (directory !== undefined) return failure('specify one path to kustomization.yaml');
        directory = argument;
    }
  }
  try {
    const objects = await build(directory ?? '.', {
      fs: syncNodeFs(),
      loadRestrictor,
      ...(reorder === undefined ? {} : { reorder }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const stream = toYamlStream(objects);
    if (output !== undefined) {
      await new Promise<void>((resolve, reject) => writeFile(output, stream, (error) => (error === null ? resolve() : reject(error))));
      return { exitCode: 0, stdout: '', stderr: '' };
    }
    return { exitCode: 0, stdout: stream, stderr: '' };
  } catch (error) {
    return failure(error instanceof Error ? error.message : String(error));
  }
}
