/**
 * @packageDocumentation
 * `@weft/cli`: the `weft` command — get, reconcile, suspend, resume, build, diff, tree, trace,
 * events, install and uninstall for Weft's GitOps resources, as Flux's CLI users know them — and
 * {@link runWeft}, the same command in process. The cluster logic lives in `@weft/delivery`'s
 * operations (`requestReconcile`, `inventoryTree`, `traceObject`, …), which a web view shares.
 *
 * Guide: [the weft command](../../../docs/cli.md).
 */
export { runWeft } from './main.js';
export type { WeftIo, OutputStream } from './io.js';
