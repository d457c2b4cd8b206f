import type { CommandContext } from '../context.js';

declare const __WEFT_VERSION__: string | undefined;

/** `weft version`. */
export async function run(context: CommandContext): Promise<number> {
  context.io.stdout.write(`weft ${typeof __WEFT_VERSION__ === 'string' ? __WEFT_VERSION__ : '0.0.0 (from source)'}\n`);
  return 0;
}
