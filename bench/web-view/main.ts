/**
 * bench/web-view: how fast the web view paints the pipeline graph of 200 Kustomizations (20
 * GitRepositories, 1,000 applied objects, dependsOn chains), and how many bytes the page costs.
 *
 * Weft: Chromium (Debian's, headless) opens the view served by `serveWebView` over a
 * `PipelineView` of the in-memory API server; the figure is the time from navigation start to
 * the frame after all 200 Kustomization nodes are in the graph (the page loaded, its script run,
 * the live stream's snapshot received and rendered).
 * Baseline: the same 200 Kustomizations and 1,000 objects as a server-rendered HTML table with no
 * script at all, served gzipped from the same process — the floor of putting that much on screen;
 * timed to the frame after DOMContentLoaded.
 * Each side runs 7 times, alternating, each in a fresh tab with the cache off; medians are printed.
 * The page's transfer (every response's encoded bytes, the live stream's up to that frame) is
 * printed too, against the 200 KB budget.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { KubeClient, ConfigMapKind } from '@weft/reconcile-core';
import { KustomizationKind, installGitOpsCrds } from '@weft/delivery';
import { GitRepositoryKind } from '@weft/git-source';
import { startApiServer } from '@weft/testkit';
import { PipelineView, serveWebView } from '@weft/web-view';

const sources = 20;
const perSource = 10;
const objectsEach = 5;
const runs = 7;
const namespace = 'apps';

const log = (line: string) => console.error(`[bench web-view] ${line}`);

async function seed(client: KubeClient): Promise<{ rows: string[] }> {
  const now = new Date().toISOString();
  const ready = (message: string) => [{ type: 'Ready', status: 'True' as const, reason: 'ReconciliationSucceeded', message, lastTransitionTime: now }];
  const rows: string[] = [];
  const revision = 'main@sha1:0123456789abcdef0123456789abcdef01234567';
  for (let s = 0; s < sources; s += 1) {
    const name = `repo-${s}`;
    await client.create({ apiVersion: GitRepositoryKind.apiVersion, kind: 'GitRepository', metadata: { name, namespace }, spec: { url: `http://git.example/${name}.git`, interval: '1m', ref: { branch: 'main' } } } as never, { kind: GitRepositoryKind });
    await client.patchStatus(GitRepositoryKind, name, { status: { artifact: { revision, digest: 'sha256:0', size: 1, path: 'x', url: 'file:///x', lastUpdateTime: now }, conditions: ready(`stored artifact for revision '${revision}'`) } }, { namespace, type: 'merge' });
    for (let k = 0; k < perSource; k += 1) {
      const app = `app-${s}-${k}`;
      const entries = [];
      for (let o = 0; o < objectsEach; o += 1) {
        const object = `${app}-config-${o}`;
        await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: object, namespace, labels: { 'weft.dev/name': app, 'weft.dev/namespace': namespace } }, data: { index: String(o) } } as never, { kind: ConfigMapKind });
        entries.push({ id: `${namespace}_${object}__ConfigMap`, v: 'v1' });
        rows.push(`<tr><td>${app}</td><td>ConfigMap/${object}</td><td>healthy</td></tr>`);
      }
      const dependsOn = k % 3 === 0 ? [] : [{ name: `app-${s}-${k - 1}` }];
      await client.create({ apiVersion: KustomizationKind.apiVersion, kind: 'Kustomization', metadata: { name: app, namespace }, spec: { sourceRef: { kind: 'GitRepository', name }, interval: '1m', prune: true, path: `./apps/${k}`, dependsOn } } as never, { kind: KustomizationKind });
      await client.patchStatus(KustomizationKind, app, { status: { lastAppliedRevision: revision, conditions: ready(`Applied revision: ${revision}`), inventory: { entries } } }, { namespace, type: 'merge' });
      rows.push(`<tr><th>${app}</th><td>${name}</td><td>Ready: Applied revision ${revision}</td></tr>`);
    }
  }
  return { rows };
}

/** Milliseconds from navigation start to the frame after `selector` matches `count` elements, and the bytes transferred by then. */
async function measure(page: Page, url: string, selector: string, count: number): Promise<{ ms: number; bytes: number }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  let bytes = 0;
  cdp.on('Network.dataReceived', (event) => (bytes += event.encodedDataLength));
  await page.goto(url, { waitUntil: 'commit' });
  // A string, run in the page (this file is type-checked for Node, without the DOM's types).
  const ms = (await page.evaluate(`new Promise((resolve) => {
    const check = () => {
      if (document.querySelectorAll(${JSON.stringify(selector)}).length >= ${count}) requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())));
      else requestAnimationFrame(check);
    };
    check();
  })`)) as number;
  // The DevTools protocol reports the last received bytes a moment after the page used them.
  await new Promise((resolve) => setTimeout(resolve, 200));
  await cdp.detach();
  return { ms, bytes };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const server = await startApiServer();
  const client = new KubeClient(server.kubeConfig);
  await installGitOpsCrds(server.kubeConfig);
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } as never);
  const started = Date.now();
  const { rows } = await seed(client);
  log(`seeded ${sources} GitRepositories, ${sources * perSource} Kustomizations, ${sources * perSource * objectsEach} ConfigMaps in ${((Date.now() - started) / 1000).toFixed(1)}s`);

  const view = new PipelineView({ kubeConfig: server.kubeConfig });
  view.start();
  const web = await serveWebView(view);
  // Wait until the view has every object's health (its watches listed them).
  for (;;) {
    const snapshot = view.snapshot();
    if (snapshot.kustomizations.length === sources * perSource && snapshot.objects.length === sources * perSource * objectsEach && snapshot.objects.every((object) => object.health === 'healthy')) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const table = gzipSync(`<!doctype html><html><head><meta charset="utf-8"><title>baseline</title></head><body><h1>Pipeline</h1><table>${rows.join('')}</table></body></html>`);
  const baseline = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'gzip', 'cache-control': 'no-store' }).end(table));
  await new Promise<void>((resolve) => baseline.listen(0, '127.0.0.1', resolve));
  const baselineUrl = `http://127.0.0.1:${(baseline.address() as AddressInfo).port}/`;

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const weft: { ms: number; bytes: number }[] = [];
  const plain: { ms: number; bytes: number }[] = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    // One warm-up of each: the first navigation of a browser pays for starting its renderer.
    for (let run = 0; run <= runs; run += 1) {
      const page = await context.newPage();
      const result = await measure(page, web.url, 'g.kustomization', sources * perSource);
      await page.close();
      const other = await context.newPage();
      const base = await measure(other, baselineUrl, 'tr', rows.length);
      await other.close();
      if (run === 0) continue;
      weft.push(result);
      plain.push(base);
      log(`run ${run}: weft ${result.ms.toFixed(0)} ms (${(result.bytes / 1024).toFixed(1)} KB), baseline ${base.ms.toFixed(0)} ms (${(base.bytes / 1024).toFixed(1)} KB)`);
    }
  } finally {
    await browser.close();
    await web.close();
    view.close();
    baseline.close();
    client.close();
    await server[Symbol.asyncDispose]();
  }
  const weftMs = median(weft.map((run) => run.ms));
  const baseMs = median(plain.map((run) => run.ms));
  const kb = median(weft.map((run) => run.bytes)) / 1024;
  console.log(`web-view transfer: ${kb.toFixed(1)} KB for the page, its script and the live snapshot of ${sources * perSource} Kustomizations (budget 200 KB: ${kb < 200 ? 'within' : 'OVER'})`);
  console.log(`web-view first paint of the pipeline graph (${sources * perSource} Kustomizations): ${weftMs < 1000 ? 'under' : 'OVER'} one second`);
  console.log(`web-view: weft=${weftMs.toFixed(0)}ms baseline=${baseMs.toFixed(0)}ms (static HTML table of the same pipeline, no script) ratio=${(weftMs / baseMs).toFixed(2)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
