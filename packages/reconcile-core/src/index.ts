/**
 * @packageDocumentation
 * The Weft reconciler runtime: list+watch as rxjs streams, a reflector and store,
 * triggers, a scheduler and a concurrency-limited runner around your `Reconciler`,
 * plus a typed client, `defineResource`, lifecycle helpers and observability.
 *
 * Guides: [getting started](../../../docs/getting-started.md), [concepts](../../../docs/concepts.md),
 * [running in a cluster](../../../docs/running-in-a-cluster.md).
 */
export * from './api.js';
export * from './runtime.js';
