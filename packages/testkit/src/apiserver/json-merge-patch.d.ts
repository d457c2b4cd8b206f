declare module 'json-merge-patch' {
  /** RFC 7386: applies a merge patch to a copy-free target and returns the result. */
  export function apply(target: unknown, patch: unknown): unknown;
  const api: { apply: typeof apply };
  export default api;
}
