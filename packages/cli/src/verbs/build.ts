import { toYamlStream } from '@weft/kustomize-lite';
import type { CommandContext } from '../context.js';
import { buildLocal } from '../local-files.js';

/** `weft build kustomization <name> --path <dir>`: the objects as a YAML stream. */
export async function run(context: CommandContext): Promise<number> {
  const { built } = await buildLocal(context);
  context.io.stdout.write(toYamlStream(built.objects as never));
  return 0;
}
