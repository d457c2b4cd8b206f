import type { WeftIo } from '../io.js';
import { runWeft } from '../main.js';

/** What one `weft` command line printed and returned. */
export interface WeftRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `weft` in process with captured, non-terminal streams. */
export async function weft(args: readonly string[], io: Partial<WeftIo> & { env: WeftIo['env'] }): Promise<WeftRun> {
  let stdout = '';
  let stderr = '';
  const code = await runWeft(args, {
    cwd: process.cwd(),
    ...io,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}
