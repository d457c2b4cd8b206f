/**
 * image-automation benchmark, on Debian's docker-registry and git http-backend on loopback:
 *   scan + select   a repository with 5,000 tags listed and a semver policy applied:
 *                   RegistryClient.listTags + selectLatestTag  vs  crane-select (go-containerregistry's
 *                   crane.ListTags, as `crane ls`, + Flux's semver selection; tools/crane-select)
 *   setters         1,000 marked files rewritten in a checkout (applySetters), and the whole write-back
 *                   (updateImages: clone, setters, commit, push)  vs  the git CLI doing the same with sed
 * Each figure is the median of several runs; both sides page tags/list 1,000 at a time and open
 * a fresh connection per run. The last line compares scan + select.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RegistryClient, applySetters, selectLatestTag, updateImages, type ImageRef } from '@weft/image-automation';
import { startRegistry } from '../../packages/image-automation/src/__tests__/support/registry-server';
import { startGitServer } from '@weft/testkit';
import { goPeer } from '../go-peer';

const run = promisify(execFile);
const TAGS = 5000;
const FILES = 1000;
const RUNS = 9;
const RANGE = '>=1.0.0 <40.0.0';
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const crane = join(goPeer('crane-select'), 'crane-select');

const registry = await startRegistry();
const git = await startGitServer();
const work = await mkdtemp(join(tmpdir(), 'weft-bench-image-'));
try {
  // 5,000 tags: versions, pre-releases, builds and non-versions, as busy repositories have.
  const tags = Array.from({ length: TAGS }, (_, i) => {
    const major = i % 50;
    const minor = Math.floor(i / 50) % 20;
    const patch = Math.floor(i / 1000);
    switch (i % 5) {
      case 0:
        return `v${major}.${minor}.${patch}`;
      case 1:
        return `${major}.${minor}.${patch}-rc.${i % 7}`;
      case 2:
        return `main-${(i * 2654435761).toString(16).slice(0, 7)}-${1_700_000_000 + i}`;
      case 3:
        return `${major}.${minor}.${patch}`;
      default:
        return `${major}.${minor}.${patch}-build.${i}`;
    }
  });
  const pushed = Date.now();
  await registry.pushTags('bench/app', tags, 16);
  console.log(`pushed ${TAGS} tags through the registry API in ${Date.now() - pushed}ms`);
  const image = `${registry.host}/bench/app`;

  const weftScan: number[] = [];
  const baseScan: number[] = [];
  let weftPick = '';
  let basePick = '';
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const client = new RegistryClient({ insecure: true, pageSize: 1000 });
    const listed = await client.listTags(image);
    weftPick = selectLatestTag(listed, { policy: { semver: { range: RANGE } } });
    weftScan.push(performance.now() - start);
    await client.close();
    if (listed.length !== TAGS) throw new Error(`listed ${listed.length} tags, pushed ${TAGS}`);
  }
  const baseline = (await run(crane, ['-repo', image, '-range', RANGE, '-insecure', '-n', String(RUNS)])).stdout.trim().split('\n');
  for (const line of baseline) {
    const [micros, count, pick] = line.split(' ');
    if (Number(count) !== TAGS) throw new Error(`crane listed ${count} tags, pushed ${TAGS}`);
    baseScan.push(Number(micros) / 1000);
    basePick = pick ?? '';
  }
  if (weftPick !== basePick) throw new Error(`weft picked ${weftPick}, the baseline ${basePick}`);
  console.log(`both picked ${weftPick} of ${TAGS} tags within ${RANGE}`);

  // 1,000 marked files in a repository.
  const files: Record<string, string> = {};
  for (let i = 0; i < FILES; i++) {
    files[`apps/app-${i % 20}/deploy-${i}.yaml`] = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      `  name: app-${i}`,
      '  namespace: apps',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      `        - name: app-${i}`,
      `          image: ghcr.io/org/app:1.0.0 # {"$imagepolicy": "apps:app"}`,
      '          resources:',
      '            limits: { cpu: 100m, memory: 64Mi }',
      '',
    ].join('\n');
  }
  const repo = await git.createRepo('fleet', files);
  const weftSetters: number[] = [];
  const weftUpdate: number[] = [];
  const gitUpdate: number[] = [];
  for (let i = 0; i < 5; i++) {
    const tag = `1.${i + 1}.0`;
    const policies = new Map<string, ImageRef>([['apps/app', { name: 'ghcr.io/org/app', tag }]]);
    const checkout = join(work, `checkout-${i}`);
    await run('git', ['clone', '--quiet', repo.url, checkout], { env: git.gitEnv });
    let start = performance.now();
    const result = await applySetters(checkout, { policies, path: './apps' });
    weftSetters.push(performance.now() - start);
    if (result.files.length !== FILES) throw new Error(`setters changed ${result.files.length} files`);

    start = performance.now();
    const update = await updateImages({ url: repo.url, branch: 'main', author: { email: 'bench@weft.dev' }, automation: { namespace: 'apps', name: 'bench' }, path: './apps', policies });
    weftUpdate.push(performance.now() - start);
    if (!update.commit) throw new Error('updateImages committed nothing');

    // The git CLI doing the same: clone, sed over the marked lines, commit, push (to a side branch).
    const cli = join(work, `cli-${i}`);
    start = performance.now();
    await run('git', ['clone', '--quiet', '--depth', '1', repo.url, cli], { env: git.gitEnv });
    await run('sh', ['-c', `grep -rl '"\\$imagepolicy": "apps:app"' apps | xargs sed -i 's#ghcr.io/org/app:[^ ]* \\# {"$imagepolicy": "apps:app"}#ghcr.io/org/app:${tag}-cli \\# {"$imagepolicy": "apps:app"}#'`], { cwd: cli });
    await run('git', ['-C', cli, 'commit', '--quiet', '-am', `cli ${tag}`], { env: git.gitEnv });
    await run('git', ['-C', cli, 'push', '--quiet', 'origin', `HEAD:refs/heads/cli-${i}`], { env: git.gitEnv });
    gitUpdate.push(performance.now() - start);
  }

  const line = (name: string, weft: number[], base: number[], baselineName: string) => {
    const w = median(weft);
    const b = median(base);
    console.log(`${name}: weft=${w.toFixed(1)}ms baseline=${b.toFixed(1)}ms (${baselineName}) ratio=${(w / b).toFixed(2)}`);
  };
  console.log(`setters over ${FILES} files (applySetters, no git): weft=${median(weftSetters).toFixed(1)}ms`);
  line('write-back of 1,000 files', weftUpdate, gitUpdate, 'git clone --depth 1 + sed + commit + push');
  line('image-automation', weftScan, baseScan, 'crane ls + select');
} finally {
  await registry.stop();
  await git.stop();
  await rm(work, { recursive: true, force: true });
}
