/**
 * The real registry the image-automation tests, the cluster suite and the benchmark use:
 * Debian's `docker-registry` (the CNCF distribution registry) started on loopback per run,
 * optionally behind htpasswd basic auth, behind token auth with a small token server of the
 * tests (distribution's `auth: token`), or with TLS from a CA of its own. Images are pushed
 * through the registry's HTTP API (a small OCI manifest and blob), no docker needed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, createPublicKey, createSign, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePorts, generateControlPlanePki } from '@weft/testkit';
import bcrypt from 'bcryptjs';
import { Agent, request } from 'undici';

export type RegistryAuthMode = 'none' | 'htpasswd' | 'token';

export interface RegistryServerOptions {
  auth?: RegistryAuthMode;
  tls?: boolean;
  username?: string;
  password?: string;
}

export interface TokenRequestRecord {
  service: string | null;
  scopes: string[];
  authorized: boolean;
}

export interface PushedImage {
  /** The manifest's digest (`sha256:…`). */
  digest: string;
  mediaType: string;
}

export interface RegistryServer {
  /** `127.0.0.1:<port>`: the registry part of an image name. */
  readonly host: string;
  /** `http://…` or `https://…`. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** The CA that signed the serving certificate (with `tls`). */
  readonly caPem: string | undefined;
  /** Requests the token server received (with `auth: 'token'`). */
  readonly tokenRequests: TokenRequestRecord[];
  /** Pushes a small image (config + one layer) and tags it. */
  pushImage(repository: string, tag: string, options?: { seed?: string; index?: boolean; docker?: boolean }): Promise<PushedImage>;
  /** Tags an already pushed manifest again. */
  tagManifest(repository: string, fromTag: string, toTag: string): Promise<void>;
  /** Pushes many tags of one image (`concurrency` at a time). */
  pushTags(repository: string, tags: readonly string[], concurrency?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Whether Debian's registry binary is installed (tools/registry/install.sh). */
export function haveRegistryBinary(): boolean {
  return spawnSync('sh', ['-c', 'command -v docker-registry']).status === 0;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

/** Starts the registry (and its token server) and waits until it answers. */
export async function startRegistry(options: RegistryServerOptions = {}): Promise<RegistryServer> {
  const mode = options.auth ?? 'none';
  const username = options.username ?? 'weft';
  const password = options.password ?? `registry-pass-${randomBytes(6).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'weft-registry-'));
  const [port, tokenPort] = (await freePorts(2)) as [number, number];
  const host = `127.0.0.1:${port}`;
  const pki = options.tls || mode === 'token' ? await generateControlPlanePki() : undefined;
  const scheme = options.tls ? 'https' : 'http';
  const url = `${scheme}://${host}`;
  const service = 'weft-test-registry';
  const issuer = 'weft-test-token-server';
  const tokenRequests: TokenRequestRecord[] = [];

  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${host}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
  ];
  if (options.tls && pki) {
    await writeFile(join(dir, 'tls.crt'), pki.serving.certPem);
    await writeFile(join(dir, 'tls.key'), pki.serving.keyPem);
    lines.push('  tls:', `    certificate: ${join(dir, 'tls.crt')}`, `    key: ${join(dir, 'tls.key')}`);
  }
  let tokenServer: Server | undefined;
  if (mode === 'htpasswd') {
    await writeFile(join(dir, 'htpasswd'), `${username}:${bcrypt.hashSync(password, 4)}\n`);
    lines.push('auth:', '  htpasswd:', '    realm: weft-test', `    path: ${join(dir, 'htpasswd')}`);
  } else if (mode === 'token' && pki) {
    await writeFile(join(dir, 'token-ca.crt'), pki.ca.certPem);
    lines.push('auth:', '  token:', `    realm: http://127.0.0.1:${tokenPort}/token`, `    service: ${service}`, `    issuer: ${issuer}`, `    rootcertbundle: ${join(dir, 'token-ca.crt')}`);
    const signer = { keyPem: pki.ca.keyPem, kid: libtrustKeyId(pki.ca.certPem) };
    tokenServer = createServer((req, res) => {
      const query = new URL(req.url ?? '/', 'http://token').searchParams;
      const authorized = basicMatches(req, username, password);
      const scopes = query.getAll('scope');
      tokenRequests.push({ service: query.get('service'), scopes, authorized });
      if (!authorized && req.headers.authorization) {
        res.writeHead(401).end('{"details":"bad credentials"}');
        return;
      }
      const access = authorized ? scopes.map(parseScope).filter((s) => s !== undefined) : [];
      const token = signJwt(signer, { iss: issuer, sub: authorized ? username : '', aud: service, access });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
    });
    await new Promise<void>((resolve) => tokenServer!.listen(tokenPort, '127.0.0.1', resolve));
  }
  await writeFile(join(dir, 'config.yml'), lines.join('\n') + '\n');

  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const dispatcher = new Agent(pki && options.tls ? { connect: { ca: pki.ca.certPem } } : {});

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await new Promise<void>((resolve) => (tokenServer ? tokenServer.close(() => resolve()) : resolve()));
    await dispatcher.close();
    await rm(dir, { recursive: true, force: true });
  };

  // A probe error (not listening yet, or an unexpected status) is "not yet"; an exit ends the wait at once.
  const started = await eventually(`docker-registry to answer ${url}/v2/`, async () => {
    if (child.exitCode !== null) return 'exited';
    const response = await request(`${url}/v2/`, { dispatcher, headersTimeout: 2000 });
    await response.body.dump();
    if (response.statusCode !== 200 && response.statusCode !== 401) throw new Error(`/v2/ answered ${response.statusCode}`);
    return 'answering';
  }, { timeoutMs: 20_000, intervalMs: 50 }).catch(async (error: unknown) => {
    await stop();
    throw new Error(`${(error as Error).message}; its stderr: ${stderr}`, { cause: error });
  });
  if (started === 'exited') {
    await stop();
    throw new Error(`docker-registry exited with ${child.exitCode}: ${stderr}`);
  }

  /** The Authorization header the pushing side uses: its own credentials, full access. */
  const tokens = new Map<string, string>();
  const authorization = async (repository: string): Promise<string | undefined> => {
    if (mode === 'htpasswd') return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    if (mode !== 'token') return undefined;
    const cached = tokens.get(repository);
    if (cached) return cached;
    const scope = `repository:${repository}:pull,push`;
    const response = await request(`http://127.0.0.1:${tokenPort}/token?service=${service}&scope=${encodeURIComponent(scope)}`, {
      headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
    });
    const body = (await response.body.json()) as { token: string };
    tokenRequests.pop(); // The pushing side's own requests are not what the tests assert on.
    const header = `Bearer ${body.token}`;
    tokens.set(repository, header);
    return header;
  };
  const send = async (repository: string, method: 'GET' | 'PUT' | 'POST' | 'HEAD', path: string, body?: Buffer | string, headers: Record<string, string> = {}) => {
    const auth = await authorization(repository);
    const response = await request(path.startsWith('http') ? path : `${url}${path}`, {
      method,
      dispatcher,
      headers: { ...headers, ...(auth ? { authorization: auth } : {}) },
      ...(body !== undefined ? { body } : {}),
    });
    const text = method === 'HEAD' ? '' : await response.body.text();
    if (response.statusCode >= 300) throw new Error(`registry ${method} ${path}: HTTP ${response.statusCode} ${text}`);
    return { headers: response.headers, text };
  };
  const pushBlob = async (repository: string, content: Buffer): Promise<{ digest: string; size: number }> => {
    const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
    const started = await send(repository, 'POST', `/v2/${repository}/blobs/uploads/`);
    const location = new URL(String(started.headers['location']), url);
    location.searchParams.set('digest', digest);
    await send(repository, 'PUT', location.toString(), content, { 'content-type': 'application/octet-stream' });
    return { digest, size: content.length };
  };
  const manifests = new Map<string, { body: string; mediaType: string }>();
  const pushManifest = async (repository: string, reference: string, body: string, mediaType: string) => {
    await send(repository, 'PUT', `/v2/${repository}/manifests/${reference}`, body, { 'content-type': mediaType });
    return `sha256:${createHash('sha256').update(body).digest('hex')}`;
  };
  const imageManifest = async (repository: string, seed: string, docker: boolean) => {
    const config = await pushBlob(repository, Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Labels: { seed } } })));
    const layer = await pushBlob(repository, Buffer.from(`layer ${seed}\n`));
    const mediaType = docker ? DOCKER_MANIFEST : OCI_MANIFEST;
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: { mediaType: docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
      layers: [{ mediaType: docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.size }],
    });
    return { body, mediaType };
  };

  return {
    host,
    url,
    username,
    password,
    caPem: options.tls ? pki?.ca.certPem : undefined,
    tokenRequests,
    async pushImage(repository, tag, pushOptions = {}) {
      const seed = pushOptions.seed ?? `${repository}:${tag}`;
      let manifest = await imageManifest(repository, seed, pushOptions.docker ?? false);
      if (pushOptions.index) {
        const child = await pushManifest(repository, `sha256:${createHash('sha256').update(manifest.body).digest('hex')}`, manifest.body, manifest.mediaType);
        manifest = {
          mediaType: OCI_INDEX,
          body: JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: manifest.mediaType, digest: child, size: Buffer.byteLength(manifest.body), platform: { architecture: 'amd64', os: 'linux' } }] }),
        };
      }
      const digest = await pushManifest(repository, tag, manifest.body, manifest.mediaType);
      manifests.set(`${repository}:${tag}`, manifest);
      return { digest, mediaType: manifest.mediaType };
    },
    async tagManifest(repository, fromTag, toTag) {
      const manifest = manifests.get(`${repository}:${fromTag}`);
      if (!manifest) throw new Error(`${repository}:${fromTag} was not pushed by this server`);
      await pushManifest(repository, toTag, manifest.body, manifest.mediaType);
      manifests.set(`${repository}:${toTag}`, manifest);
    },
    async pushTags(repository, tags, concurrency = 8) {
      if (tags.length === 0) return;
      const manifest = await imageManifest(repository, repository, false);
      let next = 0;
      const worker = async () => {
        while (next < tags.length) {
          const tag = tags[next++]!;
          await pushManifest(repository, tag, manifest.body, manifest.mediaType);
          manifests.set(`${repository}:${tag}`, manifest);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, tags.length) }, worker));
    },
    stop,
  };
}

function basicMatches(req: IncomingMessage, username: string, password: string): boolean {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return false;
  return Buffer.from(header.slice(6), 'base64').toString() === `${username}:${password}`;
}

function parseScope(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const match = /^([^:]+):(.+):([^:]+)$/.exec(scope);
  if (!match) return undefined;
  return { type: match[1]!, name: match[2]!, actions: match[3]!.split(',') };
}

/** The key id distribution's token auth looks up: libtrust's, from the public key's DER. */
function libtrustKeyId(certPem: string): string {
  const der = createPublicKey(certPem).export({ type: 'spki', format: 'der' });
  const hash = createHash('sha256').update(der).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of hash) bits += byte.toString(2).padStart(8, '0');
  let encoded = '';
  for (let i = 0; i + 5 <= bits.length; i += 5) encoded += alphabet[parseInt(bits.slice(i, i + 5), 2)];
  return encoded.match(/.{4}/g)!.join(':');
}

function signJwt(signer: { keyPem: string; kid: string }, claims: { iss: string; sub: string; aud: string; access: object[] }): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ alg: 'RS256', typ: 'JWT', kid: signer.kid });
  const payload = encode({ ...claims, exp: now + 300, nbf: now - 60, iat: now, jti: randomBytes(8).toString('hex') });
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(signer.keyPem).toString('base64url');
  return `${header}.${payload}.${signature}`;
}
