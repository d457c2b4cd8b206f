import { KubeConfig } from '@kubernetes/client-node';
import type { KubeTransport, ListPage, RawWatchEvent, TransportRequest } from '../client/kube-transport.js';

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
export class FakeTransport implements KubeTransport {
  readonly listRequests: TransportRequest[] = [];
  readonly watchRequests: TransportRequest[] = [];
  readonly streams: FakeWatchStream[] = [];
  /** Answers, in order, for list calls: a page, or an error to throw. */
  readonly listAnswers: (ListPage | Error)[] = [];
  /** Answers for lists of one path, taken before `listAnswers`. */
  readonly listAnswersByPath = new Map<string, (ListPage | Error)[]>();
  readonly requests: { method: string; path: string; body: unknown }[] = [];

  async list(request: TransportRequest): Promise<ListPage> {
    this.listRequests.push(request);
    const answer = this.listAnswersByPath.get(request.path)?.shift() ?? this.listAnswers.shift();
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

  async request<R>(method: string, path: string, options: { body?: unknown } = {}): Promise<R> {
    this.requests.push({ method, path, body: options.body });
    return {} as R;
  }

  close(): void {}

  /** The newest watch stream opened on `path`. */
  streamOn(path: string): FakeWatchStream {
    const stream = this.streams.filter((candidate) => candidate.request.path === path).at(-1);
    if (!stream) throw new Error(`no watch open on ${path}`);
    return stream;
  }

  get lastStream(): FakeWatchStream {
    return this.streams[this.streams.length - 1]!;
  }
}

export function configMap(name: string, resourceVersion: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { metadata: { name, namespace: 'default', resourceVersion, ...extra } };
}

/** A KubeConfig that points nowhere: the controller tests hand it over with a FakeTransport. */
export function fakeKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'fake', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'fake' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
    currentContext: 'fake',
  });
  return kubeConfig;
}
