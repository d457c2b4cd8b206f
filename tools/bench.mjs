// Runs the benchmarks under bench/: `pnpm bench NAME` runs bench/NAME, plain
// `pnpm bench` runs them all. Each benchmark's last line has one shape:
//   NAME: weft=<figure><unit> baseline=<figure><unit> (<baseline name>) ratio=<weft/baseline>
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = join(root, 'bench');
const available = readdirSync(benchDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(benchDir, entry.name, 'main.ts')))
  .map((entry) => entry.name)
  .sort();

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!available.includes(name)) {
    console.error(`no benchmark named ${name}; available: ${available.join(', ') || '(none yet)'}`);
    process.exit(2);
  }
}
const names = wanted.length > 0 ? wanted : available;
if (names.length === 0) console.log('no benchmarks yet');
let failed = false;
for (const name of names) {
  const result = spawnSync('pnpm', ['exec', 'tsx', join(benchDir, name, 'main.ts')], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
