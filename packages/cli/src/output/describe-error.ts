import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';

/**
 * One line for an error: a usage error as it is; the apiserver's typed errors and Weft's own with
 * their message (they name the object); a cluster that cannot be reached names the server and the
 * kubeconfig context. Anything else is a bug: its stack is shown with `WEFT_DEBUG=1`.
 */
export function describeError(error: unknown, context: CommandContext | undefined, env: Readonly<Record<string, string | undefined>>): { message: string; exitCode: number } {
  if (error instanceof UsageError) return { message: error.message, exitCode: error.exitCode };
  const named = error as { name?: string; message?: string; code?: number; stack?: string };
  const target = context?.connectedTarget;
  const where = target ? ` (context "${target.context}", server ${target.server})` : '';
  switch (named.name) {
    case 'ConnectionError':
      return { message: `cannot reach the cluster${where}: ${named.message}. Is the context right (--context, --kubeconfig)?`, exitCode: 1 };
    case 'UnauthorizedError':
      return { message: `the cluster refused the credentials${where}: ${named.message}`, exitCode: 1 };
    case 'ForbiddenError':
      return { message: `${named.message}${where}`, exitCode: 1 };
    case 'UnknownKindError':
      return { message: `${named.message}${where}: are Weft's CRDs installed? (weft install)`, exitCode: 1 };
    case 'CancelledError':
      return { message: 'cancelled', exitCode: 130 };
  }
  if (named && typeof named === 'object' && 'retryable' in named && typeof named.message === 'string') return { message: named.message, exitCode: 1 };
  if (env['WEFT_DEBUG'] === '1') return { message: named?.stack ?? String(error), exitCode: 1 };
  return { message: `${named?.message ?? String(error)} (WEFT_DEBUG=1 shows where)`, exitCode: 1 };
}
