/**
 * Public exports of the stream runtime: watch, reflect, schedule, run, controller, manager
 * (explicit, named re-exports; index.ts re-exports this file).
 */
export {};
