import { WeftError } from '@weft/reconcile-core';

/**
 * The base of every error a kustomize build throws.
 *
 * @remarks
 * Each error names the file it concerns (relative to the build root when known) and, where one is
 * involved, the object (`Kind/namespace/name`). Build errors are never retryable: the same input
 * fails the same way. The message starts with the file so it reads like kustomize's own errors.
 *
 * @example
 * ```ts
 * import { build, KustomizeError, nodeFs } from '@weft/kustomize-lite';
 *
 * try { await build('/repo/overlays/prod', { fs: nodeFs() }); }
 * catch (error) { if (error instanceof KustomizeError) console.error(error.file, error.message); }
 * ```
 */
export class KustomizeError extends WeftError {
  override name = 'KustomizeError';
  /** The file the error concerns, when there is one. */
  readonly file: string | undefined;
  /** The object the error concerns (`Kind/namespace/name`), when there is one. */
  readonly object: string | undefined;
  constructor(message: string, options: { file?: string; object?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause, retryable: false });
    this.file = options.file;
    this.object = options.object;
  }
}

/**
 * A kustomization file (or a built-in plugin config) is malformed: unknown field, wrong type,
 * invalid value. Not retryable.
 *
 * @example
 * ```ts
 * import { KustomizationFileError } from '@weft/kustomize-lite';
 *
 * if (error instanceof KustomizationFileError) console.error(`fix ${error.file}`);
 * ```
 */
export class KustomizationFileError extends KustomizeError {
  override name = 'KustomizationFileError';
}

/**
 * A YAML document could not be parsed; the message names the file, line and column. Not retryable.
 *
 * @example
 * ```ts
 * import { YamlSyntaxError } from '@weft/kustomize-lite';
 *
 * if (error instanceof YamlSyntaxError) console.error(error.file, error.line);
 * ```
 */
export class YamlSyntaxError extends KustomizeError {
  override name = 'YamlSyntaxError';
  /** 1-based line of the error, when the parser reports one. */
  readonly line: number | undefined;
  constructor(message: string, options: { file: string; line?: number; cause?: unknown }) {
    super(message, options);
    this.line = options.line;
  }
}

/**
 * A path was refused by the load restrictor (outside the kustomization root), or does not exist.
 * Not retryable.
 *
 * @example
 * ```ts
 * import { LoadRestrictionError } from '@weft/kustomize-lite';
 *
 * if (error instanceof LoadRestrictionError) console.error(`${error.file} is outside the root`);
 * ```
 */
export class LoadRestrictionError extends KustomizeError {
  override name = 'LoadRestrictionError';
}

/**
 * A file or directory named by a kustomization does not exist, or a directory has no
 * kustomization file. Not retryable.
 *
 * @example
 * ```ts
 * import { MissingFileError } from '@weft/kustomize-lite';
 *
 * if (error instanceof MissingFileError) console.error(`missing: ${error.file}`);
 * ```
 */
export class MissingFileError extends KustomizeError {
  override name = 'MissingFileError';
}

/**
 * A path exists but cannot be read as a kustomization input: a named pipe (FIFO), socket or
 * device, or the file system refused it (permission denied, a symlink loop). Not retryable: the
 * same tree fails the same way. `code` is the system error code when there is one.
 *
 * @example
 * ```ts
 * import { UnreadableFileError } from '@weft/kustomize-lite';
 *
 * if (error instanceof UnreadableFileError) console.error(`${error.file}: ${error.code ?? 'not a regular file'}`);
 * ```
 */
export class UnreadableFileError extends KustomizeError {
  override name = 'UnreadableFileError';
  /** The system error code (`EACCES`, `ELOOP`, …), or undefined for a path that is not a regular file or directory. */
  readonly code: string | undefined;
  constructor(message: string, options: { file: string; code?: string; cause?: unknown }) {
    super(message, options);
    this.code = options.code;
  }
}

/**
 * Kustomizations include each other in a cycle (a base that includes itself). Not retryable.
 *
 * @example
 * ```ts
 * import { CycleError } from '@weft/kustomize-lite';
 *
 * if (error instanceof CycleError) console.error(error.message);
 * ```
 */
export class CycleError extends KustomizeError {
  override name = 'CycleError';
}

/**
 * Two objects with the same id (group, kind, namespace, name) meet, or a reference is ambiguous.
 * Not retryable.
 *
 * @example
 * ```ts
 * import { ResourceConflictError } from '@weft/kustomize-lite';
 *
 * if (error instanceof ResourceConflictError) console.error(error.object);
 * ```
 */
export class ResourceConflictError extends KustomizeError {
  override name = 'ResourceConflictError';
}

/**
 * A patch, replacement, var or transformer could not be applied (no unique target, bad path,
 * failed JSON patch operation). Not retryable.
 *
 * @example
 * ```ts
 * import { TransformError } from '@weft/kustomize-lite';
 *
 * if (error instanceof TransformError) console.error(error.object, error.message);
 * ```
 */
export class TransformError extends KustomizeError {
  override name = 'TransformError';
}

/**
 * The kustomization uses a feature Weft does not implement (remote resources, Helm charts,
 * exec/KRM function plugins). Not retryable.
 *
 * @example
 * ```ts
 * import { UnsupportedFeatureError } from '@weft/kustomize-lite';
 *
 * if (error instanceof UnsupportedFeatureError) console.error(`not supported: ${error.feature}`);
 * ```
 */
export class UnsupportedFeatureError extends KustomizeError {
  override name = 'UnsupportedFeatureError';
  /** The kustomization field that asked for the feature. */
  readonly feature: string;
  constructor(feature: string, message: string, options: { file?: string } = {}) {
    super(message, options);
    this.feature = feature;
  }
}

/**
 * The input exceeds the configured size limit (`maxInputBytes`). Not retryable.
 *
 * @example
 * ```ts
 * import { InputTooLargeError } from '@weft/kustomize-lite';
 *
 * if (error instanceof InputTooLargeError) console.error(`${error.file}: over ${error.limit} bytes`);
 * ```
 */
export class InputTooLargeError extends KustomizeError {
  override name = 'InputTooLargeError';
  /** The limit, in bytes, that was exceeded. */
  readonly limit: number;
  constructor(message: string, options: { file: string; limit: number }) {
    super(message, { file: options.file });
    this.limit = options.limit;
  }
}

/**
 * Post-build variable substitution failed (strict mode and a variable is unset, bad syntax, bad
 * variable name). Not retryable.
 *
 * @example
 * ```ts
 * import { SubstitutionError } from '@weft/kustomize-lite';
 *
 * if (error instanceof SubstitutionError) console.error(error.object, error.message);
 * ```
 */
export class SubstitutionError extends KustomizeError {
  override name = 'SubstitutionError';
}

/**
 * The build was cancelled through its `AbortSignal`. Not retryable by itself (the caller chose to stop).
 *
 * @example
 * ```ts
 * import { BuildAbortedError } from '@weft/kustomize-lite';
 *
 * if (error instanceof BuildAbortedError) return; // a newer revision superseded this build
 * ```
 */
export class BuildAbortedError extends KustomizeError {
  override name = 'BuildAbortedError';
}
