// The weft-kustomize executable: kustomize's `build` command over @weft/kustomize-lite, bundled
// into dist/weft-kustomize.cjs. bin/weft-kustomize.cjs loads it and calls `main`; run directly
// (`node dist/weft-kustomize.cjs`), it runs itself.
import { writeSync } from 'node:fs';
import { runCli } from './cli.js';

export { serveCli as serve } from './cli-server.js';

/**
 * Writes all of `text` to a file descriptor. Not through process.stdout: creating it loads Node's
 * stream classes, a noticeable share of a short run. A non-blocking pipe that is full (EAGAIN)
 * is waited on briefly and written again; a reader that went away (`| head`) ends the run quietly
 * with 141, as SIGPIPE ends kustomize. Returns whether everything was written.
 */
function writeAll(descriptor: number, text: string): boolean {
  const bytes = Buffer.from(text);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let offset = 0; offset < bytes.length; ) {
    try {
      offset += writeSync(descriptor, bytes, offset);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') {
        process.exitCode = 141;
        return false;
      }
      if (code !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
  return true;
}

/** Runs the command line, writes its output and sets the exit code. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const result = await runCli(argv);
  process.exitCode = result.exitCode;
  if (result.stdout !== '' && !writeAll(1, result.stdout)) return;
  if (result.stderr !== '') writeAll(2, result.stderr);
}

declare const module: { id?: string } | undefined;
declare const require: { main?: unknown } | undefined;
if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) void main();
