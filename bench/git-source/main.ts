/**
 * git-source benchmark: a generated repository (5,000 files, 500 commits) served by
 * `git http-backend`; Weft's fetchArtifact against the git CLI on the same server:
 *   first fetch       fetchArtifact (cold cache, artifact written)  vs  git clone --depth 1
 *   unchanged poll    fetchArtifact with the previous artifact      vs  git ls-remote
 *   incremental       fetchArtifact after one new commit            vs  git fetch (in the shallow clone)
 * Each figure is the median of several runs. The last line compares the first fetch.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ArtifactStorage, fetchArtifact, type GitArtifact } from '@weft/git-source';
import { startGitServer } from '@weft/testkit';

const run = promisify(execFile);
const FILES = 5000;
const COMMITS = 500;
const RUNS = 5;

const server = await startGitServer({ username: 'bench', password: 'bench' });
const work = await mkdtemp(join(tmpdir(), 'weft-bench-git-'));
const auth = { username: 'bench', password: 'bench' };
const gitEnv = { ...server.gitEnv, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from('bench:bench').toString('base64')}` };

try {
  const repo = await server.createRepo('bench', { 'README.md': 'bench\n' });
  const generated = Date.now();
  await generateHistory(repo.bare);
  await repo.git('fetch', '--quiet', 'origin');
  await repo.git('reset', '--quiet', '--hard', 'origin/main');
  console.log(`generated ${FILES} files in ${COMMITS} commits in ${Date.now() - generated}ms`);
  const url = repo.url;

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const time = async (work: () => Promise<unknown>) => {
    const start = performance.now();
    await work();
    return performance.now() - start;
  };

  // First fetch.
  const weftFirst: number[] = [];
  const gitFirst: number[] = [];
  let artifact: GitArtifact | undefined;
  let storage: ArtifactStorage | undefined;
  let cacheDir = '';
  let clone = '';
  for (let i = 0; i < RUNS; i++) {
    cacheDir = join(work, `cache-${i}`);
    storage = new ArtifactStorage(join(work, `artifacts-${i}`));
    const s = storage;
    const c = cacheDir;
    weftFirst.push(await time(async () => {
      artifact = (await fetchArtifact({ url, auth, ref: { branch: 'main' }, cacheDir: c, storage: s })).artifact;
    }));
    clone = join(work, `clone-${i}`);
    const target = clone;
    gitFirst.push(await time(() => run('git', ['clone', '--quiet', '--depth', '1', '--branch', 'main', url, target], { env: gitEnv })));
  }
  console.log(`artifact: ${artifact!.entries.length} entries, ${artifact!.size} bytes, ${artifact!.revision}`);

  // Unchanged poll.
  const weftPoll: number[] = [];
  const gitPoll: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const previous = artifact!;
    weftPoll.push(await time(async () => {
      const result = await fetchArtifact({ url, auth, ref: { branch: 'main' }, cacheDir, storage: storage! }, { previous });
      if (result.changed) throw new Error('an unchanged poll produced a new artifact');
    }));
    gitPoll.push(await time(() => run('git', ['ls-remote', url, 'refs/heads/main'], { env: gitEnv })));
  }

  // Incremental fetch of one new commit.
  const weftIncremental: number[] = [];
  const gitIncremental: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await repo.commit({ [`dir${i % 50}/file-${i}.yaml`]: `changed: ${i}\n` }, `change ${i}`);
    const previous = artifact!;
    weftIncremental.push(await time(async () => {
      const result = await fetchArtifact({ url, auth, ref: { branch: 'main' }, cacheDir, storage: storage! }, { previous });
      if (!result.changed) throw new Error('the new commit was not fetched');
      artifact = result.artifact;
    }));
    gitIncremental.push(await time(() => run('git', ['-C', clone, 'fetch', '--quiet', 'origin', 'main'], { env: gitEnv })));
  }

  const report = (name: string, weft: number[], git: number[], baseline: string) => {
    const w = median(weft);
    const g = median(git);
    console.log(`${name}: weft=${w.toFixed(0)}ms baseline=${g.toFixed(0)}ms (${baseline}) ratio=${(w / g).toFixed(2)}`);
  };
  report('unchanged poll', weftPoll, gitPoll, 'git ls-remote');
  report('incremental fetch', weftIncremental, gitIncremental, 'git fetch');
  report('git-source', weftFirst, gitFirst, 'git clone --depth 1');
} finally {
  await server.stop();
  await rm(work, { recursive: true, force: true });
}

/** Writes COMMITS commits touching FILES files into a bare repository with git fast-import. */
async function generateHistory(bare: string): Promise<void> {
  const lines: string[] = [];
  let mark = 1;
  const parent = (await run('git', ['--git-dir', bare, 'rev-parse', 'refs/heads/main'])).stdout.trim();
  for (let c = 0; c < COMMITS; c++) {
    const message = `commit ${c}\n`;
    lines.push('commit refs/heads/main', `mark :${mark++}`, `committer Bench <bench@weft.dev> ${1_700_000_000 + c} +0000`);
    lines.push(`data ${Buffer.byteLength(message)}`, message.trimEnd());
    if (c === 0) lines.push(`from ${parent}`);
    const files = c === 0 ? Array.from({ length: FILES }, (_, i) => i) : Array.from({ length: 10 }, (_, i) => (c * 10 + i) % FILES);
    for (const i of files) {
      const content = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: file-${i}\ndata:\n  revision: "${c}"\n  payload: "${'x'.repeat(200 + (i % 300))}"\n`;
      lines.push(`M 100644 inline dir${i % 50}/file-${i}.yaml`, `data ${Buffer.byteLength(content)}`, content.trimEnd() + '\n');
    }
  }
  await new Promise<void>((resolve, reject) => {
    const child = spawn('git', ['--git-dir', bare, 'fast-import', '--quiet'], { stdio: ['pipe', 'inherit', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`fast-import exited ${code}`))));
    child.stdin.end(lines.join('\n') + '\n');
  });
  await run('git', ['--git-dir', bare, 'gc', '--quiet']);
}
