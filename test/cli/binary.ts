import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bundled `weft` binary, as users run it (`pnpm -r build`, which tools/test.sh runs first, makes it). */
export const weftBinary = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'cli', 'dist', 'bin', 'weft.js');

/** Fails with what to do when the binary has not been built. */
export function requireWeftBinary(): string {
  if (!existsSync(weftBinary)) throw new Error(`${weftBinary} is missing: build it with pnpm -r --filter @weft/cli... run build`);
  return weftBinary;
}
