/**
 * The demo's web view in a real browser: `npm run demo` (the in-memory cluster, as a user runs
 * it) prints the view's URL; a Chromium opened on it shows the walk-through as it happens — the
 * drift detected and reverted, the pruned file, the broken commit turning production red and the
 * fix turning it back, the canary's steps and chart — over the one live stream, with the page's
 * transfer made of the operator's own files only. The demo serves it read-only: the action
 * buttons are disabled and the server refuses a write. A screenshot of each page goes to
 * test/web-view/output/.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { browserMissing, screenshotDir, startBrowser } from './browser';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const missing = browserMissing();

interface DemoProcess {
  readonly child: ChildProcess;
  output: string;
  /** Resolves with the first match of `pattern` in the output. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  stop(): Promise<void>;
}

function startDemo(args: string[]): DemoProcess {
  const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), ['src/main.ts', ...args], {
    cwd: join(root, 'examples', 'gitops-demo'),
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: tsx runs the demo in a child process, and stopping must reach both.
    detached: true,
  });
  const demo: DemoProcess = {
    child,
    output: '',
    waitFor: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = pattern.exec(demo.output);
          if (!found) return false;
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          resolve(found);
          return true;
        };
        const onData = () => void check();
        const timer = setTimeout(() => {
          child.stdout!.off('data', onData);
          reject(new Error(`the demo did not print ${pattern} within ${timeoutMs / 1000}s:\n${demo.output.slice(-3000)}`));
        }, timeoutMs);
        if (!check()) child.stdout!.on('data', onData);
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('close', () => resolve());
        try {
          process.kill(-child.pid!, 'SIGINT');
        } catch {
          resolve();
        }
        setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // Gone already.
          }
        }, 15_000).unref();
      }),
  };
  child.stdout!.on('data', (chunk: Buffer) => (demo.output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (demo.output += chunk.toString()));
  return demo;
}

/** The steps' headings the demo prints, in order. */
const stepHeading = (n: number) => new RegExp(`── step ${n}/\\d+`);

describe.skipIf(missing !== undefined)('the demo in the web view', () => {
  let browser: { context: BrowserContext; close(): Promise<void> };
  let demo: DemoProcess;
  let url: string;
  const requested: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // The browser first: the page must be open before the steps it is to show live.
    browser = await startBrowser();
    browser.context.on('request', (request) => requested.push(request.url()));
    browser.context.on('weberror', (error) => pageErrors.push(error.error().message));
    demo = startDemo(['--ui-port', '0', '--step-timeout', '60']);
    url = (await demo.waitFor(/web view: (http:\/\/127\.0\.0\.1:\d+\/) \(live; read-only\)/, 60_000))[1]!;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  }, 60_000);

  async function open(hash: string): Promise<Page> {
    const page = await browser.context.newPage();
    await page.goto(`${url}${hash}`);
    // 60 s: the demo's operator may be busy with its last steps when a page opens on a loaded machine
    await page.locator('#connection', { hasText: 'live' }).waitFor({ timeout: 60_000 });
    return page;
  }

  let canaryPage: Page;

  it('shows the drift, the prune, the broken commit and the fix as the demo makes them', async () => {
    const graph = await open('#/');
    const events = await open('#/events');
    // Open before the Canary exists (step 7): its page shows it from its first step on.
    canaryPage = await open('#/canaries/delivery/checkout');
    // Connected before the later steps began: what they do can only reach the page live.
    const stepsSeenAtConnect = [4, 5, 6].filter((n) => stepHeading(n).test(demo.output));
    expect(stepsSeenAtConnect, `the page connected late:\n${demo.output}`).toEqual([]);

    const production = graph.locator('g.kustomization[data-id="Kustomization/weft-system/production"]');
    await graph.locator('g.kustomization[data-id="Kustomization/weft-system/staging"][data-health="healthy"]').waitFor({ timeout: 60_000 });
    await events.locator('.event[data-reason="DriftDetected"]', { hasText: 'Deployment/production/web edited by kubectl-edit' }).waitFor({ timeout: 60_000 });
    await events.locator('.event[data-reason="DriftReverted"]').first().waitFor({ timeout: 60_000 });
    await events.locator('.event[data-category="pruned"]', { hasText: 'ConfigMap/production/feature-flags deleted' }).waitFor({ timeout: 60_000 });
    expect(stepHeading(4).test(demo.output)).toBe(true);

    await production.and(graph.locator('[data-health="failed"]')).waitFor({ timeout: 60_000 });
    expect(stepHeading(5).test(demo.output), 'production turned red before the broken commit').toBe(true);
    await events.locator('.event[data-category="failed"][data-reason="BuildFailed"]', { hasText: 'ingress.yaml' }).first().waitFor({ timeout: 60_000 });
    await graph.screenshot({ path: join(screenshotDir, 'pipeline-broken-commit.png') });
    await production.and(graph.locator('[data-health="healthy"]')).waitFor({ timeout: 60_000 });
    expect(stepHeading(6).test(demo.output), 'production turned green again before the fix').toBe(true);
    await graph.screenshot({ path: join(screenshotDir, 'pipeline.png') });
    await events.screenshot({ path: join(screenshotDir, 'events.png') });
    await graph.close();
    await events.close();
  }, 180_000);

  it('charts the canary release as it goes, with the metric values of the failed checks', async () => {
    const page = canaryPage;
    await page.locator('h2 .badge', { hasText: 'Succeeded' }).waitFor({ timeout: 120_000 });
    await page.locator('h2 .badge', { hasText: 'Failed' }).waitFor({ timeout: 60_000 });
    expect(await page.locator('.chart .u-legend').textContent()).toContain('success-rate');
    expect(await page.locator('.chart canvas').count()).toBe(1);
    const steps = await page.locator('.events .event').allTextContents();
    expect(steps.join('\n')).toMatch(/Progressing: canary weight 25%/);
    await page.screenshot({ path: join(screenshotDir, 'canary.png'), fullPage: true });
    const samples = await page.evaluate(async () => {
      const response = await fetch('api/state');
      const state = (await response.json()) as { canaryHistory: Record<string, { weight: number; metrics: Record<string, number> }[]> };
      return state.canaryHistory['Canary/delivery/checkout'] ?? [];
    });
    expect(samples.map((sample) => sample.weight)).toEqual(expect.arrayContaining([25, 50]));
    expect(samples.some((sample) => sample.metrics['success-rate'] === 80)).toBe(true);
    await page.close();
  }, 180_000);

  it('shows an inventory with health and field managers, and an object against git', async () => {
    await demo.waitFor(/all \d+ steps passed/, 120_000);
    const inventory = await open('#/kustomizations/weft-system/production');
    const web = inventory.locator('li.object[data-id="production_web_apps_Deployment"]');
    expect(await web.locator('.manager').first().textContent()).toContain('weft-kustomize');
    expect(await inventory.locator('button[data-action="reconcile"]').isDisabled()).toBe(true);
    await inventory.screenshot({ path: join(screenshotDir, 'inventory.png'), fullPage: true });
    const refused = await inventory.evaluate(async () => {
      const response = await fetch('api/actions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'reconcile', target: 'Kustomization/weft-system/production' }) });
      return { status: response.status, body: await response.text() };
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('write actions are disabled');

    await web.locator('a').click();
    await inventory.locator('.badge[data-status]').waitFor({ timeout: 30_000 });
    expect(await inventory.locator('.badge[data-status]').textContent()).toBe('in-sync');
    await inventory.screenshot({ path: join(screenshotDir, 'diff.png'), fullPage: true });
    await inventory.goto(`${url}#/images`);
    // step 8's ImagePolicy, with the tag the demo pushed as its latest image (once the live stream has it)
    await inventory.locator('section.images', { hasText: /weft-system\/web.*\/weft-demo\/web:1\.1\.0/ }).waitFor({ timeout: 30_000 });
    await inventory.screenshot({ path: join(screenshotDir, 'images.png') });
    await inventory.close();
  }, 180_000);

  it('loaded nothing but the operator\'s own files, without a script error', () => {
    const origin = new URL(url).origin;
    expect(requested.filter((address) => !address.startsWith(origin))).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
