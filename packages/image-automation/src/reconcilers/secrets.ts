import { type KubeClient, SecretKind, isNotFoundError, parseDuration } from '@weft/reconcile-core';
import { ImageAutomationError } from '../errors.js';
import type { ImageReference } from '../image-reference.js';
import { credentialsFromDockerConfig } from '../registry/docker-config.js';
import type { RegistryClientOptions } from '../registry/registry-client.js';
import type { ImageRepository } from '../resources/image-repository.js';

/** A Secret a spec names is missing or unusable. Retryable: the Secret may be created or fixed. */
export class SecretReferenceError extends ImageAutomationError {
  override name = 'SecretReferenceError';
  constructor(secret: string, message: string) {
    super(`secret ${secret}`, message, { reason: 'AuthenticationFailed', retryable: true });
  }
}

/** The decoded data of a Secret (values as text). */
export async function readSecret(client: KubeClient, namespace: string, name: string, signal: AbortSignal): Promise<Record<string, string>> {
  try {
    const secret = (await client.get(SecretKind, name, { namespace, signal })) as { data?: Record<string, string> };
    return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
  } catch (error) {
    if (isNotFoundError(error)) throw new SecretReferenceError(`${namespace}/${name}`, 'not found');
    throw error;
  }
}

/** The registry client options an ImageRepository's spec asks for: credentials, TLS, insecure, timeout. */
export async function registryOptionsFor(
  client: KubeClient,
  repository: ImageRepository,
  reference: ImageReference,
  signal: AbortSignal,
): Promise<RegistryClientOptions> {
  const namespace = repository.metadata.namespace ?? 'default';
  const { spec } = repository;
  let credentials;
  if (spec.secretRef) {
    const data = await readSecret(client, namespace, spec.secretRef.name, signal);
    const encoded = Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]));
    credentials = credentialsFromDockerConfig(encoded, reference.registry, `secret ${namespace}/${spec.secretRef.name}`);
  }
  let tls;
  if (spec.certSecretRef) {
    const data = await readSecret(client, namespace, spec.certSecretRef.name, signal);
    const ca = data['ca.crt'] ?? data['caFile'];
    const cert = data['tls.crt'] ?? data['certFile'];
    const key = data['tls.key'] ?? data['keyFile'];
    if (!ca && !cert) throw new SecretReferenceError(`${namespace}/${spec.certSecretRef.name}`, 'has neither ca.crt nor tls.crt');
    if (Boolean(cert) !== Boolean(key)) throw new SecretReferenceError(`${namespace}/${spec.certSecretRef.name}`, 'has only one of tls.crt and tls.key');
    tls = { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
  }
  const timeout = spec.timeout ?? spec.interval;
  return {
    ...(credentials ? { credentials } : {}),
    ...(tls ? { tls } : {}),
    insecure: spec.insecure ?? false,
    timeout: Math.max(1000, parseDuration(timeout)),
  };
}
