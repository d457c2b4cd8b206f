import {
  BuildAbortedError,
  CycleError,
  InputTooLargeError,
  KustomizationFileError,
  KustomizeError,
  LoadRestrictionError,
  MissingFileError,
  ResourceConflictError,
  SubstitutionError,
  TransformError,
  UnreadableFileError,
  UnsupportedFeatureError,
  YamlSyntaxError,
} from './errors.js';
import type { FsEntry } from './file-system.js';
import type { LoadRestrictor } from './load-restrictor.js';
import type { ObjectPiece } from './object-pieces.js';

/** What the build worker is started with (its `workerData`). */
export interface WorkerJob {
  readonly path: string;
  readonly loadRestrictor?: LoadRestrictor;
  readonly reorder?: 'legacy' | 'none';
  readonly maxInputBytes?: number;
  /** Where the worker asks for files; absent: it reads the machine's file system itself. */
  readonly fsPort?: unknown;
}

/** What the calling thread sends a worker: 'taken' after each batch of pieces, or its next job (a warm worker's). */
export type ParentMessage = 'taken' | { readonly type: 'job'; readonly job: WorkerJob };

/** A file-system call the worker asks the main thread to make. */
export interface FsRequest {
  readonly id: number;
  readonly op: 'readFile' | 'stat' | 'readDir' | 'realPath';
  readonly path: string;
}

/** The main thread's answer to an {@link FsRequest}. */
export type FsResponse =
  | { readonly id: number; readonly value: Uint8Array | FsEntry | undefined | string[] | string }
  | { readonly id: number; readonly error: SerializedError };

/** What the worker posts to its parent. */
export type WorkerMessage =
  | { readonly type: 'reading'; readonly file: string }
  | { readonly type: 'pieces'; readonly pieces: ObjectPiece[] }
  | { readonly type: 'done'; readonly count: number }
  | { readonly type: 'error'; readonly error: SerializedError };

/** An error as it crosses threads: its class by name and the fields each class carries. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly file?: string;
  readonly object?: string;
  readonly line?: number;
  readonly code?: string;
  readonly limit?: number;
  readonly feature?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const fields = error as Error & { file?: unknown; object?: unknown; line?: unknown; code?: unknown; limit?: unknown; feature?: unknown };
  return {
    name: error.name,
    message: error.message,
    ...(typeof fields.file === 'string' ? { file: fields.file } : {}),
    ...(typeof fields.object === 'string' ? { object: fields.object } : {}),
    ...(typeof fields.line === 'number' ? { line: fields.line } : {}),
    ...(typeof fields.code === 'string' ? { code: fields.code } : {}),
    ...(typeof fields.limit === 'number' ? { limit: fields.limit } : {}),
    ...(typeof fields.feature === 'string' ? { feature: fields.feature } : {}),
  };
}

const plainKustomizeErrors: Record<string, new (message: string, options: { file?: string; object?: string }) => KustomizeError> = {
  KustomizeError,
  KustomizationFileError,
  LoadRestrictionError,
  MissingFileError,
  CycleError,
  ResourceConflictError,
  TransformError,
  SubstitutionError,
  BuildAbortedError,
};

/** The error of the same class, file, object and message on this side. */
export function reviveError(error: SerializedError): Error {
  const where = { ...(error.file === undefined ? {} : { file: error.file }), ...(error.object === undefined ? {} : { object: error.object }) };
  switch (error.name) {
    case 'YamlSyntaxError':
      return new YamlSyntaxError(error.message, { file: error.file ?? '', ...(error.line === undefined ? {} : { line: error.line }) });
    case 'UnreadableFileError':
      return new UnreadableFileError(error.message, { file: error.file ?? '', ...(error.code === undefined ? {} : { code: error.code }) });
    case 'UnsupportedFeatureError':
      return new UnsupportedFeatureError(error.feature ?? '', error.message, where);
    case 'InputTooLargeError':
      return new InputTooLargeError(error.message, { file: error.file ?? '', limit: error.limit ?? 0 });
    default: {
      const Class = plainKustomizeErrors[error.name];
      if (Class !== undefined) return new Class(error.message, where);
      // an fs error (the worker rethrows the caller's own) or a fault: keep its name and code
      return Object.assign(new Error(error.message), { name: error.name, ...(error.code === undefined ? {} : { code: error.code }) });
    }
  }
}
