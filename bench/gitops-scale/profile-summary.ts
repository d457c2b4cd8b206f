// Summarizes a V8 .cpuprofile (from BENCH_CPU_PROF): self time by function and by package.
// Usage: pnpm exec tsx bench/gitops-scale/profile-summary.ts <file.cpuprofile> [top]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg = '25'] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));

const packageOf = (url: string) => {
  if (url === '') return '(native/idle)';
  const pnpm = /node_modules\/\.pnpm\/([^/]+)\//.exec(url);
  if (pnpm) return pnpm[1]!.replace(/@[\d.]+.*$/, '');
  const workspace = /\/work\/main\/((?:packages|examples)\/[^/]+)\//.exec(url);
  if (workspace) return workspace[1]!;
  if (url.startsWith('node:')) return 'node';
  return url.split('/').slice(-2).join('/');
};
const functions = new Map<string, number>();
const packages = new Map<string, number>();
let total = 0;
for (const [id, us] of selfUs) {
  const node = byId.get(id)!;
  const { functionName, url, lineNumber } = node.callFrame;
  total += us;
  const name = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
  functions.set(name, (functions.get(name) ?? 0) + us);
  const pkg = functionName === '(idle)' || functionName === '(program)' || functionName === '(garbage collector)' ? functionName : packageOf(url);
  packages.set(pkg, (packages.get(pkg) ?? 0) + us);
}
const show = (title: string, map: Map<string, number>, top: number) => {
  console.log(title);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`);
};
console.log(`profile: ${(total / 1e6).toFixed(1)} s sampled`);
show('by package (self time):', packages, 20);
show('by function (self time):', functions, Number(topArg));
