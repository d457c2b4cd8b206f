import type { IncomingMessage } from 'node:http';
import type { KubeObject } from '../resource/objects.js';
import { abortedCallError, apiErrorFromResponse, ConnectionError, isKubeApiError } from './errors.js';
import type { ApiTarget, KubeStatus } from './status.js';

/**
 * One event of a raw watch stream, as the apiserver sends it (`ADDED`, `MODIFIED`, `DELETED`,
 * `BOOKMARK`). `ERROR` events are not yielded: they are thrown as typed errors.
 */
export interface ApiWatchEvent<T extends KubeObject = KubeObject> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  /** The object; for `BOOKMARK` only `apiVersion`, `kind` and `metadata.resourceVersion` (and annotations) are set. */
  readonly object: T;
}

/**
 * Reads newline-delimited watch events from a streaming response.
 *
 * @remarks Ends when the server closes the stream (its `timeoutSeconds`, or a restart); throws a
 * typed error for an `ERROR` event (410 Expired → {@link GoneError}), a broken connection
 * ({@link ConnectionError}) or the caller's abort ({@link CancelledError}).
 */
export async function* readWatchEvents<T extends KubeObject>(response: IncomingMessage, context: { verb: string; target: ApiTarget; signal?: AbortSignal | undefined }): AsyncGenerator<ApiWatchEvent<T>> {
  let pending = '';
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      pending += chunk.toString('utf8');
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
        if (line !== '') yield parseEvent<T>(line, context);
      }
    }
    if (pending.trim() !== '') yield parseEvent<T>(pending.trim(), context);
  } catch (error) {
    if (isKubeApiError(error)) throw error;
    if (context.signal?.aborted) throw abortedCallError({ verb: context.verb, target: context.target, code: 0 }, context.signal.reason, false);
    throw new ConnectionError({ verb: context.verb, target: context.target, code: 0, cause: error, detail: `watch stream broke: ${(error as Error).message}` });
  } finally {
    response.destroy();
  }
}

function parseEvent<T extends KubeObject>(line: string, context: { verb: string; target: ApiTarget }): ApiWatchEvent<T> {
  let event: { type?: string; object?: unknown };
  try {
    event = JSON.parse(line) as { type?: string; object?: unknown };
  } catch (error) {
    throw new ConnectionError({ verb: context.verb, target: context.target, code: 0, cause: error, detail: `watch stream sent a line that is not JSON: ${line.slice(0, 200)}` });
  }
  if (event.type === 'ERROR') {
    const status = event.object as KubeStatus | undefined;
    throw apiErrorFromResponse({ verb: context.verb, target: context.target, code: status?.code ?? 500, body: status });
  }
  if (event.type !== 'ADDED' && event.type !== 'MODIFIED' && event.type !== 'DELETED' && event.type !== 'BOOKMARK') {
    throw new ConnectionError({ verb: context.verb, target: context.target, code: 0, detail: `watch stream sent an unknown event type ${JSON.stringify(event.type)}` });
  }
  return { type: event.type, object: event.object as T };
}
