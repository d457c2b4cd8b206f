/**
 * The real browser of the web view's tests: Debian's `chromium` (tools/setup.sh installs it),
 * driven by playwright-core over the DevTools protocol, with a fresh profile each time and no
 * network of its own (no downloads, no component updates).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

/** Where the tests save their screenshots (one per page). */
export const screenshotDir = join(dirname(fileURLToPath(import.meta.url)), 'output');

/** Whether the browser is here; with CI=true it must be. */
export function browserMissing(): string | undefined {
  if (existsSync(chromiumPath)) return undefined;
  const reason = `${chromiumPath} is missing: tools/setup.sh installs Debian's chromium`;
  if (process.env['CI'] === 'true') throw new Error(`CI=true requires the browser: ${reason}`);
  return reason;
}

/** A browser with a fresh profile; `close()` removes the profile. */
export async function startBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), 'weft-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1400, height: 860 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await mkdir(screenshotDir, { recursive: true });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
