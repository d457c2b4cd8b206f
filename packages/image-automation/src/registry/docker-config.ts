import { ImageAutomationError } from '../errors.js';
import { DEFAULT_REGISTRY } from '../image-reference.js';

/** Username and password for a registry, from a Secret or given directly. */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

interface DockerAuthEntry {
  username?: string;
  password?: string;
  auth?: string;
}

const DOCKER_HUB = new Set(['index.docker.io', 'docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** `https://index.docker.io/v1/` → `index.docker.io`; Docker Hub's aliases all become one. */
function registryKey(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  return DOCKER_HUB.has(host) ? DEFAULT_REGISTRY : host;
}

/**
 * Reads the credentials for `registry` from the data of a `kubernetes.io/dockerconfigjson`
 * Secret (`.dockerconfigjson`, base64 as in `Secret.data`) or a legacy
 * `kubernetes.io/dockercfg` one (`.dockercfg`), as `kubectl create secret docker-registry`
 * writes them: `username`/`password`, or `auth` (base64 of `user:password`).
 *
 * @remarks
 * Keys match by host (`https://host/v1/`, `host`, `http://host` are the same); Docker Hub's
 * names are aliases of each other. `identitytoken` and credential helpers are not supported.
 *
 * @returns the credentials, or `undefined` when the config has none for `registry`.
 * @throws {@link ImageAutomationError} (reason `AuthenticationFailed`) when the data is not a docker config.
 * @example
 * ```ts
 * import { credentialsFromDockerConfig } from '@weft/image-automation';
 * const data = { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { 'ghcr.io': { username: 'u', password: 'p' } } })).toString('base64') };
 * credentialsFromDockerConfig(data, 'ghcr.io'); // { username: 'u', password: 'p' }
 * ```
 */
export function credentialsFromDockerConfig(data: Readonly<Record<string, string>>, registry: string, secretName = 'secret'): RegistryCredentials | undefined {
  const encoded = data['.dockerconfigjson'] ?? data['.dockercfg'];
  if (encoded === undefined) {
    throw new ImageAutomationError(secretName, 'is not a docker config: it has neither .dockerconfigjson nor .dockercfg', { reason: 'AuthenticationFailed' });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    throw new ImageAutomationError(secretName, 'docker config is not valid JSON', { reason: 'AuthenticationFailed' });
  }
  const auths = (data['.dockerconfigjson'] !== undefined ? (parsed as { auths?: unknown })?.auths : parsed) as Record<string, DockerAuthEntry> | undefined;
  if (typeof auths !== 'object' || auths === null) return undefined;
  const wanted = registryKey(registry);
  for (const [key, entry] of Object.entries(auths)) {
    if (registryKey(key) !== wanted || typeof entry !== 'object' || entry === null) continue;
    if (entry.username !== undefined || entry.password !== undefined) return { username: entry.username ?? '', password: entry.password ?? '' };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new ImageAutomationError(secretName, `the auth of ${key} is not base64 of user:password`, { reason: 'AuthenticationFailed' });
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
  }
  return undefined;
}
