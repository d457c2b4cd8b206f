// The Go peers the benchmarks measure Weft against (controller-runtime, apimachinery's merge, Flux),
// built from Go modules by their tools/<name>/build.sh into the version-keyed cache outside the
// repository. A bench calls goPeer() first: on a fresh clone it builds the peer (or waits for the
// build another process holds the lock of), afterwards it costs a stamp check.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Builds (or reuses) the Go program of `tools/<tool>/build.sh` and returns the directory holding
 * its binaries.
 *
 * @throws Error naming the build script when Go is missing or the build fails (its log is on stderr).
 */
export function goPeer(tool: string): string {
  const script = join(root, 'tools', tool, 'build.sh');
  try {
    execFileSync('bash', [script], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (error) {
    throw new Error(`${script} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const dir = execFileSync('bash', [script, '--print-dir'], { cwd: root, encoding: 'utf8' }).trim();
  if (!existsSync(dir)) throw new Error(`${script} reported ${dir}, which does not exist`);
  return dir;
}
