/**
 * The live stream: server-sent events read with fetch (not EventSource, which cannot send the
 * Authorization header), reconnecting with backoff. The first event is a snapshot, then deltas.
 */
import type { ViewDelta, ViewSnapshot } from '../src/view-model.js';

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

export interface LiveHandlers {
  snapshot(snapshot: ViewSnapshot): void;
  delta(delta: ViewDelta): void;
  connection(state: Connection, detail?: string): void;
}

/** Headers of every API request: the bearer token, when the page has one. */
export function apiHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Reads the stream until `signal` aborts; reconnects after a drop (0.5 s, doubling to 10 s). */
export async function follow(token: string | undefined, handlers: LiveHandlers, signal: AbortSignal): Promise<void> {
  let delay = 500;
  while (!signal.aborted) {
    try {
      const response = await fetch('api/stream', { headers: apiHeaders(token), signal, cache: 'no-store' });
      if (response.status === 401) {
        handlers.connection('unauthorized', (await response.json().catch(() => ({}))).error);
        return;
      }
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          if (event === 'snapshot') {
            handlers.snapshot(JSON.parse(data) as ViewSnapshot);
            handlers.connection('live');
            delay = 500;
          } else if (event === 'delta') handlers.delta(JSON.parse(data) as ViewDelta);
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      handlers.connection('reconnecting', (error as Error).message);
    }
    if (signal.aborted) return;
    handlers.connection('reconnecting');
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 10_000);
  }
}
