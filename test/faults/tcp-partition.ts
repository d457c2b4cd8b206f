import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of a server, which a test can partition (cut every connection and
 * refuse new ones, as a network that drops the controller's packets) and heal. TLS passes through
 * untouched: the client still verifies the server's certificate (issued for 127.0.0.1).
 */
export interface TcpPartition {
  /** `https://127.0.0.1:<port>`: the proxied URL for `target`. */
  readonly url: string;
  partition(): void;
  heal(): void;
  /**
   * Partitions once `bytes` more bytes have gone from the server to the clients (mid-transfer);
   * resolves with the bytes forwarded by then.
   */
  partitionAfter(bytes: number): Promise<number>;
  close(): Promise<void>;
}

export async function startTcpPartition(target: string): Promise<TcpPartition> {
  const { hostname, port, protocol } = new URL(target);
  const sockets = new Set<Socket>();
  let cut = false;
  let forwarded = 0;
  let trip: { at: number; resolve: (bytes: number) => void } | undefined;
  const server: Server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.on('data', (chunk: Buffer) => {
      forwarded += chunk.length;
      if (trip && forwarded >= trip.at) {
        const { resolve } = trip;
        trip = undefined;
        result.partition();
        resolve(forwarded);
      }
    });
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  const result: TcpPartition = {
    url: `${protocol}//127.0.0.1:${address.port}`,
    partitionAfter(bytes) {
      return new Promise((resolve) => (trip = { at: forwarded + bytes, resolve }));
    },
    partition() {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    heal() {
      cut = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return result;
}
