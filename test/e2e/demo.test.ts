/**
 * End to end: the README's first command, `npm run demo -- --once`, run as a user runs it (a child
 * process through tsx, from examples/gitops-demo, as tools/demo.sh starts it), against the
 * in-memory API server and against a real control plane. The demo checks each step itself and
 * exits 0 only when all passed; this test holds it to that and to the timeline a user reads.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { haveRegistryBinary } from '../../packages/image-automation/src/__tests__/support/registry-server';
import { describeCluster } from '../support/cluster';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface DemoRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs the demo to its end (or kills it after `timeoutMs`) and returns its exit status and output. */
function runDemo(args: string[], timeoutMs: number): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), ['src/main.ts', ...args], {
      cwd: join(root, 'examples', 'gitops-demo'),
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: tsx runs the demo in a child process, and a timeout must stop both.
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // The group is gone already.
      }
    };
    let killer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      output += `\n[test] no exit after ${timeoutMs / 1000}s: stopping the demo\n`;
      // SIGINT first, so a demo on a real control plane stops its processes; then SIGKILL.
      signalGroup('SIGINT');
      killer = setTimeout(() => signalGroup('SIGKILL'), 20_000);
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killer);
      resolve({ code, signal, output });
    });
  });
}

/** The lines every passing run prints, in this order. */
const timeline = [
  /── setup ──/,
  /✓ git repository http:\/\/127\.0\.0\.1:\d+\/weft-demo\.git/,
  /✓ CRDs installed: GitRepository \(source\.weft\.dev\/v1\), Kustomization \(kustomize\.weft\.dev\/v1\)/,
  /── step 1\/8: first sync: both overlays are applied ──/,
  /✓ Kustomization\/staging Ready=True at main@sha1:[0-9a-f]{7}; inventory: 5 objects/,
  /✓ Kustomization\/production Ready=True at main@sha1:[0-9a-f]{7}; inventory: 5 objects/,
  /✓ step 1\/8 passed/,
  /── step 2\/8: an edit behind git's back is reverted ──/,
  /→ kubectl-edit scales Deployment production\/web from 3 to 10 replicas/,
  /✓ Deployment production\/web is back to 3 replicas/,
  /✓ step 2\/8 passed/,
  /── step 3\/8: a new commit is applied ──/,
  /✓ Kustomization\/production Ready=True at main@sha1:[0-9a-f]{7}: Deployment production\/web runs nginx:1\.27\.1 × 4/,
  /✓ step 3\/8 passed/,
  /── step 4\/8: a deleted file is pruned ──/,
  /✓ ConfigMap staging\/feature-flags is gone from the cluster and from Kustomization\/staging's inventory/,
  /✓ ConfigMap production\/feature-flags is gone from the cluster and from Kustomization\/production's inventory/,
  /✓ step 4\/8 passed/,
  /── step 5\/8: a broken commit leaves the last good revision running ──/,
  /✓ Kustomization\/production Ready=False BuildFailed, naming ingress\.yaml; lastAppliedRevision is still main@sha1:[0-9a-f]{7}/,
  /✓ Deployment production\/web still runs nginx:1\.27\.1 × 4/,
  /✓ step 5\/8 passed/,
  /── step 6\/8: a fix commit recovers ──/,
  /✓ Kustomization\/production Ready=True at main@sha1:[0-9a-f]{7}; Ingress\/production\/web created/,
  /✓ step 6\/8 passed/,
  /── step 7\/8: a new revision rolls out as a canary, a bad one is rolled back ──/,
  /✓ Canary initialised: checkout-primary runs checkout:1\.0/,
  /Canary\/delivery\/checkout Progressing weight 25 failedChecks 0 \(Ingress\/checkout-canary canary-weight 25\)/,
  /✓ checkout:1\.1 promoted: checkout-primary runs it/,
  /Canary\/delivery\/checkout Progressing weight 25 failedChecks 2/,
  /✓ checkout:1\.2 rolled back after 2 failed checks: traffic back on checkout-primary, which still runs checkout:1\.1/,
  /✓ step 7\/8 passed/,
  /── step 8\/8: a new image in the registry becomes a commit, and is applied ──/,
  ...(haveRegistryBinary()
    ? [
        /→ started a registry \(docker-registry\) at http:\/\/127\.0\.0\.1:\d+; pushed 127\.0\.0\.1:\d+\/weft-demo\/web:1\.0\.0/,
        /✓ Deployment production\/web runs 127\.0\.0\.1:\d+\/weft-demo\/web:1\.0\.0/,
        /✓ ImageUpdateAutomation\/weft-demo pushed [0-9a-f]{7} "production: 1\.0\.0 -> 1\.1\.0"/,
        /✓ GitRepository fetched it and Kustomization\/production applied it: Deployment production\/web runs 127\.0\.0\.1:\d+\/weft-demo\/web:1\.1\.0/,
      ]
    : [/skipped: Debian's docker-registry is not installed/]),
  /✓ step 8\/8 passed/,
  /✓ all 8 steps passed in [\d.]+s/,
  /✓ stopped: operator, git server and cluster/,
];

function expectTimeline(run: DemoRun): void {
  // On failure, the demo's own output says which step failed and what it last saw.
  expect(run.code, run.output).toBe(0);
  expect(run.output).not.toContain('✗');
  let from = 0;
  for (const line of timeline) {
    const match = line.exec(run.output.slice(from));
    expect(match, `expected ${line} after offset ${from} in:\n${run.output}`).not.toBeNull();
    from += match!.index + match![0].length;
  }
}

describe('the demo, npm run demo -- --once', () => {
  it('walks through sync, drift, a new commit, prune, a broken commit, its fix, a canary release and an image update on the in-memory API server', async () => {
    const run = await runDemo(['--once'], 150_000);
    expectTimeline(run);
    expect(run.output).toMatch(/✓ in-memory API server at http:\/\/127\.0\.0\.1:\d+/);
    // The narration names who changed what: the edit by kubectl-edit, its revert by the operator.
    expect(run.output).toMatch(/cluster: Deployment\/production\/web configured by kubectl-edit: \/spec\/replicas 3 → 10/);
    expect(run.output).toMatch(/cluster: Deployment\/production\/web configured by weft-kustomize: \/spec\/replicas 10 → 3/);
  }, 180_000);

  it('refuses an unknown option, naming it', async () => {
    const run = await runDemo(['--onse'], 60_000);
    expect(run.code).toBe(2);
    expect(run.output).toContain("Unknown option '--onse'");
    expect(run.output).toContain('Usage: npm run demo -- [options]');
  }, 90_000);
});

describeCluster('the demo on a real control plane, npm run demo -- --once --real-cluster', () => {
  it('walks through every step, with Deployments rolled out on kwok nodes', async () => {
    const run = await runDemo(['--once', '--real-cluster'], 240_000);
    expectTimeline(run);
    expect(run.output).toMatch(/✓ real control plane \(Kubernetes v1\.37\.2, controllers, kwok nodes\)/);
    expect(run.output).toMatch(/✓ Deployment production\/web: 4\/4 replicas available \(kwok nodes\)/);
  }, 300_000);
});
