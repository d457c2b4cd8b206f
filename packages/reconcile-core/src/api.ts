/**
 * Public exports of the typed client, resource definitions and lifecycle helpers
 * (explicit, named re-exports; index.ts re-exports this file).
 */
export {};
