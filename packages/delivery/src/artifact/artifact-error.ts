import { WeftError } from '@weft/reconcile-core';

/**
 * A source artifact could not be read: missing from storage and its URL, a digest that does not
 * match, a tarball that does not parse. Flux's `ArtifactFailed`.
 *
 * @remarks Retryable: the source controller may not have written it yet, or will write a new one.
 * @example
 * ```ts
 * import { ArtifactError } from '@weft/delivery';
 *
 * await reader.read(unreadable).catch((error) => {
 *   if (error instanceof ArtifactError) console.error(error.artifact, error.message);
 * });
 * ```
 */
export class ArtifactError extends WeftError {
  override name = 'ArtifactError';
  constructor(
    /** The artifact's path or URL. */
    readonly artifact: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { ...options, retryable: true });
  }
}
