import type { ListPage, RawWatchEvent, TransportRequest, WatchTransport } from '../watch.js';

/** A watch stream the test drives: push events, end it, or make it fail. */
export class FakeWatchStream implements AsyncIterable<RawWatchEvent> {
  private readonly queue: (RawWatchEvent | { end: true } | { error: unknown })[] = [];
  private wake: (() => void) | undefined;
  constructor(readonly request: TransportRequest) {
    request.signal.addEventListener('abort', () => this.end());
  }
  push(type: string, object: Record<string, unknown>): void {
    this.queue.push({ type, object });
    this.wake?.();
  }
  end(): void {
    this.queue.push({ end: true });
    this.wake?.();
  }
  fail(error: unknown): void {
    this.queue.push({ error });
    this.wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<RawWatchEvent> {
    for (;;) {
      while (this.queue.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
      const next = this.queue.shift()!;
      if ('end' in next) return;
      if ('error' in next) throw next.error;
      yield next;
    }
  }
}

/** A transport that answers lists from a script and hands out watch streams the test drives. */
export class FakeTransport implements WatchTransport {
  readonly listRequests: TransportRequest[] = [];
  readonly watchRequests: TransportRequest[] = [];
  readonly streams: FakeWatchStream[] = [];
  /** Answers, in order, for list calls: a page, or an error to throw. */
  readonly listAnswers: (ListPage | Error)[] = [];

  async list(request: TransportRequest): Promise<ListPage> {
    this.listRequests.push(request);
    const answer = this.listAnswers.shift();
    if (!answer) throw new Error('no list answer scripted');
    if (answer instanceof Error) throw answer;
    return answer;
  }

  watch(request: TransportRequest): AsyncIterable<RawWatchEvent> {
    this.watchRequests.push(request);
    const stream = new FakeWatchStream(request);
    this.streams.push(stream);
    return stream;
  }

  get lastStream(): FakeWatchStream {
    return this.streams[this.streams.length - 1]!;
  }
}

export function configMap(name: string, resourceVersion: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { metadata: { name, namespace: 'default', resourceVersion, ...extra } };
}
