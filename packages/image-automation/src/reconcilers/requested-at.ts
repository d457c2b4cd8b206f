/** The manual reconcile request: `reconcile.weft.dev/requestedAt`, or Flux's `reconcile.fluxcd.io/requestedAt`. */
export function requestedAt(object: { metadata: { annotations?: Record<string, string> } }): string | undefined {
  const annotations = object.metadata.annotations ?? {};
  return annotations['reconcile.weft.dev/requestedAt'] ?? annotations['reconcile.fluxcd.io/requestedAt'];
}
