// The weft-kustomize build server: a process that keeps the CLI loaded and warm, so that a
// `weft-kustomize build` after the first one costs Node's start-up and a small client
// (bin/weft-kustomize.cjs), not loading and running cold code in every process. The launcher
// starts it after a run that found none; it builds one request at a time, each exactly as a
// process of its own would (the client's arguments, working directory and umask, the files as they
// are now: nothing is cached between builds; a build reads no environment variable), and exits
// when idle. A run stopped while the server builds for it (Ctrl-C) does not stop that build: it
// finishes, `-o FILE` written.
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCli } from './cli.js';
import { forgetParsedDocuments } from './manifest-yaml.js';

/** What a client sends: one line of JSON. */
interface CliRequest {
  readonly argv: readonly string[];
  readonly cwd: string;
  /** The client's file mode creation mask, for `-o FILE`. */
  readonly umask: number;
}

/** Where the server listens and how long it waits for work. */
export interface CliServerOptions {
  /** A Unix socket path (a named pipe on Windows); the launcher derives it from the installation, the bundle and Node. */
  readonly socket: string;
  /** It closes and exits after this long without a request. */
  readonly idleMs: number;
}

/**
 * A base and an overlay using what most trees use (resources, generators, labels, a namespace, a
 * prefix, images, replicas, strategic merge and JSON patches, a CRD), built a few times when a
 * server starts. Measured on a small corpus tree, the first reply took 104–121 ms without it and
 * 63–75 ms with it; later ones take 48–62 ms.
 */
const warmUpTree: Readonly<Record<string, string>> = {
  '/base/kustomization.yaml': [
    'resources: [deployment.yaml, service.yaml]',
    'labels:\n- pairs: {app: web}\n  includeSelectors: true',
    'configMapGenerator:\n- name: settings\n  literals: [MODE=fast, "ENABLED=yes"]',
    '',
  ].join('\n'),
  '/base/deployment.yaml': [
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations: {note: "0755"}\nspec:\n  replicas: 1\n  template:\n    spec:',
    '      containers:\n      - name: web\n        image: nginx:1.27\n        envFrom:\n        - configMapRef: {name: settings}',
    '        ports:\n        - containerPort: 8080\n          protocol: TCP\n      volumes:\n      - name: config\n        configMap: {name: settings, defaultMode: 0644}',
    '',
  ].join('\n'),
  '/base/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n    targetPort: 8080\n',
  '/overlay/kustomization.yaml': [
    'resources: [../base, role.yaml, crd.yaml, cache.yaml]',
    'namespace: shop\nnamePrefix: prod-\ncommonAnnotations: {team: payments}',
    'images:\n- name: nginx\n  newTag: "1.28"',
    'replicas:\n- name: web\n  count: 3',
    'secretGenerator:\n- name: token\n  literals: [TOKEN=s3cret]',
    'patches:\n- path: memory.yaml\n- target: {kind: Service}\n  patch: |-\n    - op: add\n      path: /spec/type\n      value: ClusterIP',
    '',
  ].join('\n'),
  '/overlay/memory.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        resources:\n          limits: {memory: 256Mi}\n',
  '/overlay/role.yaml': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: web\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: web}\nsubjects:\n- kind: ServiceAccount\n  name: default\n  namespace: default\n',
  // enough YAML for V8 to optimise the parser (real trees carry CRDs of thousands of lines)
  '/overlay/crd.yaml': [
    'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: caches.example.com\nspec:\n  group: example.com',
    '  names: {kind: Cache, plural: caches}\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:',
    ...Array.from({ length: 300 }, (_, index) => `          field${index}:\n            description: 'Field ${index} of the cache, as the operator reads it: "${index % 7 === 0 ? 'yes' : index}".'\n            type: ${['string', 'integer', 'boolean'][index % 3]}`),
    '',
  ].join('\n'),
  '/overlay/cache.yaml': 'apiVersion: example.com/v1\nkind: Cache\nmetadata:\n  name: web\nspec:\n  size: 3\n  mode: "on"\n',
};

/**
 * Builds the warm-up tree from a temporary folder, as a request would, then removes the folder.
 * It gives way as soon as a request is waiting: that request is the warm-up then.
 */
async function warmUp(requestWaiting: () => boolean): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'weft-kustomize-warm-up-'));
  try {
    for (const [file, text] of Object.entries(warmUpTree)) {
      mkdirSync(dirname(join(folder, file)), { recursive: true });
      writeFileSync(join(folder, file), text);
    }
    for (let round = 0; round < 8; round++) {
      // a build reads its files synchronously: between two, let requests in
      await new Promise((resolve) => setImmediate(resolve));
      if (requestWaiting()) break;
      forgetParsedDocuments();
      await runCli(['build', join(folder, 'overlay')]);
    }
    forgetParsedDocuments();
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * Whether a folder is safe for the socket: a directory (not a link) owned by this user that nobody
 * else can write to, so nobody else can put a socket of their own in its place. Always true on
 * Windows, whose named pipes live in no folder.
 */
function isPrivateFolder(folder: string): boolean {
  if (process.platform === 'win32') return true;
  try {
    const entry = lstatSync(folder);
    return entry.isDirectory() && entry.uid === process.getuid?.() && (entry.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** Requests longer than this are refused: a request is arguments, a path and a umask. */
const maxRequestBytes = 16 * 1024 * 1024;

function isRequest(value: unknown): value is CliRequest {
  if (typeof value !== 'object' || value === null) return false;
  const request = value as Record<string, unknown>;
  return (
    Array.isArray(request['argv']) &&
    request['argv'].every((argument) => typeof argument === 'string') &&
    typeof request['cwd'] === 'string' &&
    Number.isInteger(request['umask'])
  );
}

/**
 * The reply, after the `+` that acknowledged the request: a header line with the exit code and
 * the byte lengths of stdout and stderr, then their bytes. The client writes nothing unless all of
 * it arrived, so a server that dies mid-reply leaves the client free to build in its own process.
 */
function reply(socket: Socket, result: { exitCode: number; stdout: string; stderr: string }): void {
  const header = JSON.stringify({ exitCode: result.exitCode, stdout: Buffer.byteLength(result.stdout), stderr: Buffer.byteLength(result.stderr) });
  socket.end(`${header}\n${result.stdout}${result.stderr}`);
}

/** Whether a server already answers on the socket (a stale socket file refuses the connection). */
function answers(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(socket);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

function listen(server: Server, socket: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Serves `weft-kustomize` requests on a socket until idle for `idleMs`.
 *
 * @remarks
 * One server per socket: if another answers there already, this one returns at once; a socket
 * file nobody answers on (a server that was killed) is replaced. The socket's folder is made
 * private to the user (0700; an existing folder others can write to, or not the user's, is
 * refused) and the socket 0600. Builds run one at a time, in the client's working directory with
 * its umask; nothing is kept between them. One timer, the idle one, restarted by every connection
 * and after every build. SIGTERM and SIGINT close the server as idleness does; closing removes
 * the socket file (libuv unlinks it).
 *
 * @returns When the server has closed (idle) or was not needed.
 */
export async function serveCli(options: CliServerOptions): Promise<void> {
  const windowsPipe = process.platform === 'win32';
  if (!windowsPipe) {
    mkdirSync(dirname(options.socket), { recursive: true, mode: 0o700 });
    if (!isPrivateFolder(dirname(options.socket))) return;
  }
  if (await answers(options.socket)) return;
  if (!windowsPipe) rmSync(options.socket, { force: true });

  let queue = Promise.resolve();
  let waiting = 0;
  let idle: NodeJS.Timeout | undefined;
  const restartIdle = (): void => {
    clearTimeout(idle);
    idle = setTimeout(close, options.idleMs);
  };
  const server = createServer((socket) => {
    restartIdle();
    const chunks: Buffer[] = [];
    let received = 0;
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxRequestBytes) return socket.destroy();
      const newline = chunk.indexOf(10);
      if (newline < 0) return chunks.push(chunk);
      chunks.push(chunk.subarray(0, newline));
      socket.pause();
      let request: unknown;
      try {
        request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        request = undefined;
      }
      if (!isRequest(request)) return socket.destroy();
      // taken: the client waits for the build from now on, however long it takes
      socket.write('+');
      waiting++;
      queue = queue.then(() => serve(socket, request));
    });
  });
  const serve = async (socket: Socket, request: CliRequest): Promise<void> => {
    waiting--;
    clearTimeout(idle);
    try {
      if (socket.destroyed) return;
      // a working directory that is gone: the client builds in its own process and reports it
      process.chdir(request.cwd);
      process.umask(request.umask);
      // each build parses its files as a process of its own would: no reuse of earlier parses
      forgetParsedDocuments();
      reply(socket, await runCli(request.argv));
    } catch {
      socket.destroy();
    } finally {
      restartIdle();
    }
  };
  const close = (): void => {
    server.close();
  };

  try {
    await listen(server, options.socket);
  } catch {
    // another server took the socket between the probe and here
    return;
  }
  if (!windowsPipe) chmodSync(options.socket, 0o600);
  restartIdle();
  // the first job; a request arriving meanwhile cuts it short
  queue = queue.then(() => warmUp(() => waiting > 0)).catch(() => undefined);
  // stopped (kill, Ctrl-C in a terminal it was started from): it closes as when idle, socket file and all
  const stop = (): void => {
    clearTimeout(idle);
    close();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await new Promise<void>((resolve) => server.once('close', resolve));
  process.off('SIGTERM', stop);
  process.off('SIGINT', stop);
}
