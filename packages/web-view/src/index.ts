/**
 * @packageDocumentation
 * `@weft/web-view`: a small web page any Weft operator can serve, showing its pipeline live —
 * GitRepository → Kustomizations → objects as a graph, each Kustomization's inventory with
 * health and field managers, the events timeline, an object's git-vs-live diff, image policies,
 * and a canary's weight and metrics over time — read from the operator's own caches and pushed
 * to the page as server-sent events.
 *
 * Guide: [the web view](../../../docs/web-view.md).
 */
export { PipelineView, type PipelineViewOptions } from './pipeline-view.js';
export { webViewHandler, type WebViewHandler, type WebViewHandlerOptions } from './handler.js';
export { serveWebView, type ServeWebViewOptions, type WebViewServer } from './serve.js';
export { type WebViewAccess, WebViewExposureError, contentSecurityPolicy, securityHeaders, isLoopbackHost, checkExposure } from './security.js';
export { WebViewAssetsError } from './assets.js';
export { diffWithGit, DiffSubjectNotFoundError, type DiffWithGitOptions } from './git-diff.js';
export { runAction, parseActionRequest, ActionRequestError, type ActionRequest, type ActionResult } from './actions.js';
export { categoryOf } from './timeline.js';
export type * from './view-model.js';
