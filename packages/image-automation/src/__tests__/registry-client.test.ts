/**
 * RegistryClient against the real distribution registry (Debian's docker-registry) on loopback:
 * plain, htpasswd basic auth, token auth through a token server of the tests, and TLS with a
 * custom CA. What the registry cannot be made to do (429 with Retry-After, never answering)
 * is served by a few lines of node:http below.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxTimerDelayMs, sleep } from '@weft/reconcile-core';
import {
  RegistryAuthError,
  RegistryClient,
  RegistryNotFoundError,
  RegistryRequestError,
  RegistryTimeoutError,
  credentialsFromDockerConfig,
  parseImageReference,
  parseWwwAuthenticate,
} from '../index.js';
import { haveRegistryBinary, startRegistry, type RegistryServer } from './support/registry-server.js';

const haveRegistry = haveRegistryBinary();
if (!haveRegistry && process.env.CI === 'true') throw new Error('CI=true but docker-registry is not installed (tools/registry/install.sh)');

/** Runs `work`, expecting it to fail; returns the error. */
async function failure(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe.skipIf(!haveRegistry)('against a plain registry', () => {
  let registry: RegistryServer;
  let client: RegistryClient;
  const pushed: Record<string, { digest: string; mediaType: string }> = {};
  beforeAll(async () => {
    registry = await startRegistry();
    for (const tag of ['1.0.0', '1.1.0', '2.0.0-rc.1', 'latest', 'v0.9.0']) pushed[tag] = await registry.pushImage('team/app', tag);
    pushed['docker'] = await registry.pushImage('team/app', 'docker', { docker: true });
    pushed['index'] = await registry.pushImage('team/app', 'index', { index: true });
    client = new RegistryClient({ pageSize: 2 });
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await registry?.stop();
  });

  it('lists every tag across Link pages', async () => {
    const tags = await client.listTags(`${registry.host}/team/app`);
    expect([...tags].sort()).toEqual(['1.0.0', '1.1.0', '2.0.0-rc.1', 'docker', 'index', 'latest', 'v0.9.0']);
    const unpaged = new RegistryClient();
    expect(await unpaged.listTags(`${registry.host}/team/app`)).toEqual(tags);
    await unpaged.close();
  });

  it('reads manifest digests by HEAD for OCI and Docker manifests and an OCI index', async () => {
    const image = `${registry.host}/team/app`;
    expect(await client.headManifest(image, '1.0.0')).toMatchObject({ digest: pushed['1.0.0']!.digest, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
    expect(await client.headManifest(image, 'docker')).toMatchObject({ digest: pushed['docker']!.digest, mediaType: 'application/vnd.docker.distribution.manifest.v2+json' });
    expect(await client.headManifest(image, 'index')).toMatchObject({ digest: pushed['index']!.digest, mediaType: 'application/vnd.oci.image.index.v1+json' });
    expect((await client.headManifest(image, pushed['1.1.0']!.digest)).digest).toBe(pushed['1.1.0']!.digest);
  });

  it('says what is missing', async () => {
    const missingTag = await failure(client.headManifest(`${registry.host}/team/app`, 'nope'));
    expect(missingTag).toBeInstanceOf(RegistryNotFoundError);
    expect(missingTag.message).toContain(`registry ${registry.host}/team/app`);
    expect(await failure(client.listTags(`${registry.host}/team/none`))).toBeInstanceOf(RegistryNotFoundError);
  });

  it('tells cancelling from timing out', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop now'));
    expect((await failure(client.listTags(`${registry.host}/team/app`, { signal: controller.signal }))).message).toBe('stop now');
  });
});

describe.skipIf(!haveRegistry)('against a registry with htpasswd basic auth', () => {
  let registry: RegistryServer;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'htpasswd' });
    await registry.pushImage('team/app', '1.0.0');
  }, 60_000);
  afterAll(async () => registry?.stop());

  it('answers the Basic challenge with the credentials', async () => {
    const client = new RegistryClient({ credentials: { username: registry.username, password: registry.password } });
    expect(await client.listTags(`${registry.host}/team/app`)).toEqual(['1.0.0']);
    expect((await client.headManifest(`${registry.host}/team/app`, '1.0.0')).digest).toMatch(/^sha256:/);
    await client.close();
  });

  it('fails with AuthenticationFailed without credentials, or with wrong ones, never showing them', async () => {
    const anonymous = new RegistryClient();
    const missing = await failure(anonymous.listTags(`${registry.host}/team/app`));
    expect(missing).toBeInstanceOf(RegistryAuthError);
    expect(missing.message).toMatch(/needs credentials/);
    const wrong = new RegistryClient({ credentials: { username: registry.username, password: 'wrong-password-0451' } });
    const refused = await failure(wrong.listTags(`${registry.host}/team/app`));
    expect(refused).toBeInstanceOf(RegistryAuthError);
    expect((refused as RegistryAuthError).reason).toBe('AuthenticationFailed');
    expect(JSON.stringify({ message: refused.message, stack: refused.stack, cause: String(refused.cause) })).not.toContain('wrong-password-0451');
    await anonymous.close();
    await wrong.close();
  });
});

describe.skipIf(!haveRegistry)('against a registry with token auth', () => {
  let registry: RegistryServer;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'token' });
    await registry.pushImage('team/app', '1.0.0');
    await registry.pushImage('team/app', '1.0.1');
  }, 60_000);
  afterAll(async () => registry?.stop());

  it('fetches a pull token for the repository from the realm, then reuses it', async () => {
    const client = new RegistryClient({ credentials: { username: registry.username, password: registry.password } });
    expect((await client.listTags(`${registry.host}/team/app`)).sort()).toEqual(['1.0.0', '1.0.1']);
    await client.headManifest(`${registry.host}/team/app`, '1.0.1');
    expect(registry.tokenRequests).toEqual([{ service: 'weft-test-registry', scopes: ['repository:team/app:pull'], authorized: true }]);
    await client.close();
  });

  it('refuses wrong credentials at the token service without showing them', async () => {
    const client = new RegistryClient({ credentials: { username: registry.username, password: 'token-secret-wrong-77' } });
    const error = await failure(client.listTags(`${registry.host}/team/app`));
    expect(error).toBeInstanceOf(RegistryAuthError);
    expect(error.message).not.toContain('token-secret-wrong-77');
    await client.close();
  });

  it('an anonymous token without access still ends in AuthenticationFailed', async () => {
    const client = new RegistryClient();
    expect(await failure(client.listTags(`${registry.host}/team/app`))).toBeInstanceOf(RegistryAuthError);
    await client.close();
  });
});

describe.skipIf(!haveRegistry)('against a registry serving TLS from its own CA', () => {
  let registry: RegistryServer;
  beforeAll(async () => {
    registry = await startRegistry({ tls: true });
    await registry.pushImage('team/app', '3.0.0');
  }, 60_000);
  afterAll(async () => registry?.stop());

  it('trusts the custom CA', async () => {
    const client = new RegistryClient({ tls: { ca: registry.caPem! } });
    expect(await client.listTags(`${registry.host}/team/app`)).toEqual(['3.0.0']);
    await client.close();
  });

  it('fails without it, and insecure (plain HTTP) does not reach a TLS registry', async () => {
    const untrusted = new RegistryClient({ timeout: '10s' });
    const refused = await failure(untrusted.listTags(`${registry.host}/team/app`));
    expect(refused).toBeInstanceOf(RegistryRequestError);
    // Reported as the TLS problem it is, not as the plain-HTTP fallback's failure.
    expect(refused.message).toMatch(/https:\/\/127\.0\.0\.1:\d+\/v2\/team\/app\/tags\/list: (SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)/);
    const plain = new RegistryClient({ insecure: true, timeout: '10s' });
    expect(await failure(plain.listTags(`${registry.host}/team/app`))).toBeInstanceOf(RegistryRequestError);
    await untrusted.close();
    await plain.close();
  });
});

describe('Retry-After, timeouts and what the registry cannot be made to do', () => {
  let server: Server;
  let host = '';
  let requests = 0;
  let mode: 'throttle' | 'silent' | 'throttle-long' = 'throttle';
  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      if (mode === 'silent') return; // never answers
      if (mode === 'throttle-long') return void res.writeHead(429, { 'retry-after': '3600' }).end();
      if (requests === 1) return void res.writeHead(429, { 'retry-after': '1' }).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'team/app', tags: ['a'] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  }, 60_000);
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('waits as long as Retry-After says on 429, then succeeds', async () => {
    const client = new RegistryClient({ insecure: true });
    const started = Date.now();
    expect(await client.listTags(`${host}/team/app`)).toEqual(['a']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(requests).toBe(2);
    await client.close();
  });

  it('gives up at once when Retry-After is beyond the timeout', async () => {
    mode = 'throttle-long';
    const client = new RegistryClient({ insecure: true, timeout: '5s' });
    const error = await failure(client.listTags(`${host}/team/app`));
    expect(error).toBeInstanceOf(RegistryRequestError);
    expect((error as RegistryRequestError).status).toBe(429);
    await client.close();
  });

  it('times out on a registry that never answers', async () => {
    mode = 'silent';
    const client = new RegistryClient({ insecure: true, timeout: '300ms' });
    const error = await failure(client.listTags(`${host}/team/app`));
    expect(error).toBeInstanceOf(RegistryTimeoutError);
    expect(error.message).toBe(`registry ${host}/team/app: operation timed out after 300ms`);
    await client.close();
  });

  it('keeps waiting under a timeout past setTimeout\'s limit (2^31 ms), where AbortSignal.timeout() would give up after 1 ms', async () => {
    mode = 'silent';
    const client = new RegistryClient({ insecure: true, timeout: maxTimerDelayMs + 1 });
    const controller = new AbortController();
    const pending = failure(client.listTags(`${host}/team/app`, { signal: controller.signal }));
    const outcome = await Promise.race([pending, sleep(500).then(() => 'still waiting')]);
    controller.abort(new Error('cancelled by test'));
    expect(outcome).toBe('still waiting');
    expect((await pending).message).toBe('cancelled by test');
    await client.close();
  });
});

describe('parsing', () => {
  it('completes image names as go-containerregistry and refuses what Flux refuses', () => {
    expect(parseImageReference('alpine').canonicalName).toBe('index.docker.io/library/alpine');
    expect(parseImageReference('docker.io/fluxcd/flux').canonicalName).toBe('index.docker.io/fluxcd/flux');
    expect(parseImageReference('ghcr.io/org/app')).toMatchObject({ registry: 'ghcr.io', repository: 'org/app', scheme: 'https', httpFallback: false });
    expect(parseImageReference('localhost:5000/app')).toMatchObject({ registry: 'localhost:5000', httpFallback: true });
    expect(parseImageReference('127.0.0.1:5000/app', { insecure: true }).scheme).toBe('http');
    expect(() => parseImageReference('https://ghcr.io/org/app')).toThrow("image 'https://ghcr.io/org/app' should not include URL scheme; remove 'https://'");
    expect(() => parseImageReference('ghcr.io/org/app:v1')).toThrow("should not include a tag; remove ':v1'");
    expect(() => parseImageReference('ghcr.io/Org/App')).toThrow(/repository can only contain/);
  });

  it('reads WWW-Authenticate challenges', () => {
    expect(parseWwwAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull' } },
    ]);
    expect(parseWwwAuthenticate('Basic realm="x", Bearer realm=https://a/t, service=s')).toEqual([
      { scheme: 'basic', params: { realm: 'x' } },
      { scheme: 'bearer', params: { realm: 'https://a/t', service: 's' } },
    ]);
  });

  it('reads docker config Secrets as kubectl writes them', () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64');
    const data = { '.dockerconfigjson': encode({ auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw:with:colons').toString('base64') }, 'ghcr.io': { username: 'u', password: 'p' } } }) };
    expect(credentialsFromDockerConfig(data, 'index.docker.io')).toEqual({ username: 'hub', password: 'pw:with:colons' });
    expect(credentialsFromDockerConfig(data, 'ghcr.io')).toEqual({ username: 'u', password: 'p' });
    expect(credentialsFromDockerConfig(data, 'quay.io')).toBeUndefined();
    expect(credentialsFromDockerConfig({ '.dockercfg': encode({ 'quay.io': { username: 'q', password: 'r' } }) }, 'quay.io')).toEqual({ username: 'q', password: 'r' });
    expect(() => credentialsFromDockerConfig({ token: 'x' }, 'quay.io', 'secret apps/pull')).toThrow('secret apps/pull: is not a docker config');
  });
});
