import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { WeftError } from '@weft/reconcile-core';

/** One file of the page, ready to send. */
export interface Asset {
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly type: string;
  readonly etag: string;
}

/**
 * The page's files are not where they should be: the package was not built.
 *
 * @remarks Not retryable: build it (`pnpm --filter @weft/web-view build`).
 * @example
 * ```ts
 * import { WebViewAssetsError, webViewHandler } from '@weft/web-view';
 *
 * try { webViewHandler(view); } catch (error) { if (error instanceof WebViewAssetsError) console.error(error.message); }
 * ```
 */
export class WebViewAssetsError extends WeftError {
  override name = 'WebViewAssetsError';
}

/** The page's files, by URL path. */
const files: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/assets/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/assets/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/assets/icon.svg': { file: 'icon.svg', type: 'image/svg+xml' },
};

/**
 * Where the bundled page is: `dist/ui/` beside the built module (the published package), or the
 * package's `dist/ui/` when running from its TypeScript source in the workspace.
 */
function uiDirectory(override: string | undefined): string {
  const candidates = override ? [override] : [fileURLToPath(new URL('./ui/', import.meta.url)), fileURLToPath(new URL('../dist/ui/', import.meta.url))];
  const found = candidates.find((directory) => existsSync(`${directory}/app.js`));
  if (!found) throw new WebViewAssetsError(`the web view's page is not built (looked in ${candidates.join(', ')}): run pnpm --filter @weft/web-view build`);
  return found;
}

/**
 * Reads the bundled page once, with a gzip copy and an ETag for each file.
 *
 * @throws {@link WebViewAssetsError} when the page was not built.
 */
export function loadAssets(directory?: string): ReadonlyMap<string, Asset> {
  const root = uiDirectory(directory);
  const assets = new Map<string, Asset>();
  for (const [path, { file, type }] of Object.entries(files)) {
    const body = readFileSync(`${root}/${file}`);
    assets.set(path, { body, gzip: gzipSync(body, { level: 9 }), type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return assets;
}
