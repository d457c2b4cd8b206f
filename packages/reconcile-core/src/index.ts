/**
 * @packageDocumentation
 * The Weft reconciler runtime: list+watch as rxjs streams, a reflector and store,
 * triggers, a scheduler and a concurrency-limited runner around your `Reconciler`,
 * plus a typed client, `defineResource`, lifecycle helpers and observability.
 */
export * from './api.js';
export * from './runtime.js';
