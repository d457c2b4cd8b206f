import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { Observable, Subject, filter, map } from 'rxjs';

/** One webhook receiver, as Flux's notification `Receiver`. */
export interface WebhookReceiverSpec {
  /** Unique name; with `token` it determines the secret URL path. */
  name: string;
  /**
   * `generic`: any POST to the secret path triggers. `github`: the body must carry a valid
   * `X-Hub-Signature-256` HMAC made with `token`, and the `X-GitHub-Event` must be in `events`.
   */
  type: 'generic' | 'github';
  /** The shared secret (Flux reads it from the Secret's `token` key). */
  token: string;
  /** GitHub events that trigger; default `['push']`. `ping` is always answered, never triggers. */
  events?: readonly string[];
}

/** A running webhook receiver. */
export interface WebhookReceiver {
  /** Base URL, e.g. `http://127.0.0.1:9292`. */
  origin: string;
  /** The full URL to configure at the git host for one receiver. */
  url(name: string): string;
  /** Emits the receiver's name on every accepted delivery. */
  readonly deliveries: Observable<string>;
  /** A trigger for {@link gitSource}: emits on each accepted delivery to `name`. */
  trigger(name: string): Observable<void>;
  stop(): Promise<void>;
}

/**
 * Flux's receiver path: `/hook/<sha256(token + name)>`, so the URL itself is secret and
 * does not reveal the token.
 *
 * @example
 * ```ts
 * import { webhookPath } from '@weft/git-source';
 * webhookPath({ name: 'app', token }); // '/hook/3f2a…'
 * ```
 */
export function webhookPath(spec: Pick<WebhookReceiverSpec, 'name' | 'token'>): string {
  return `/hook/${createHash('sha256').update(spec.token + spec.name).digest('hex')}`;
}

/**
 * Starts an HTTP server receiving git host webhooks; accepted deliveries trigger an
 * immediate fetch in the sources that use {@link WebhookReceiver.trigger}.
 *
 * @remarks
 * Unknown paths get 404, bad GitHub signatures 401, ignored events 200 without a trigger.
 * Bodies over 1 MiB are refused (413). The token never appears in responses.
 *
 * @example
 * ```ts
 * import { gitSource, startWebhookReceiver } from '@weft/git-source';
 * const hooks = await startWebhookReceiver({ receivers: [{ name: 'app', type: 'github', token }] });
 * const triggered = gitSource({ url, ref: { branch: 'main' }, trigger: hooks.trigger('app') }).subscribe(deploy);
 * ```
 */
export async function startWebhookReceiver(options: {
  receivers: readonly WebhookReceiverSpec[];
  port?: number;
  host?: string;
}): Promise<WebhookReceiver> {
  const byPath = new Map(options.receivers.map((spec) => [webhookPath(spec), spec]));
  const deliveries = new Subject<string>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const spec = byPath.get((req.url ?? '').split('?')[0] ?? '');
      if (spec === undefined || req.method !== 'POST') {
        res.writeHead(404).end('not found\n');
        return;
      }
      const body = await readBody(req, 1 << 20);
      if (body === undefined) {
        res.writeHead(413).end('payload too large\n');
        return;
      }
      if (spec.type === 'github') {
        const event = String(req.headers['x-github-event'] ?? '');
        if (!validGitHubSignature(spec.token, body, String(req.headers['x-hub-signature-256'] ?? ''))) {
          res.writeHead(401).end('invalid signature\n');
          return;
        }
        if (event === 'ping' || !(spec.events ?? ['push']).includes(event)) {
          res.writeHead(200).end(`event ${event} ignored\n`);
          return;
        }
      }
      deliveries.next(spec.name);
      res.writeHead(200).end('accepted\n');
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  const origin = `http://${address.address}:${address.port}`;
  return {
    origin,
    url(name) {
      const spec = options.receivers.find((r) => r.name === name);
      if (spec === undefined) throw new Error(`no webhook receiver named ${JSON.stringify(name)}`);
      return `${origin}${webhookPath(spec)}`;
    },
    deliveries: deliveries.asObservable(),
    trigger: (name) =>
      deliveries.pipe(
        filter((delivered) => delivered === name),
        map(() => undefined),
      ),
    async stop() {
      deliveries.complete();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function validGitHubSignature(token: string, body: Buffer, header: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', token).update(body).digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
