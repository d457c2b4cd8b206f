import http from 'node:http';
import https from 'node:https';
import { createSecureContext } from 'node:tls';

/** The TLS material of a kubeconfig, as client-node's `applyToHTTPSOptions` fills it in. */
export type TlsMaterial = Pick<https.RequestOptions, 'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'rejectUnauthorized' | 'servername'>;

/**
 * A keep-alive agent for the apiserver whose TLS connections share one `SecureContext`.
 *
 * @remarks
 * Given `ca`/`cert`/`key` per connection, Node builds a new `SecureContext` for every TLS
 * connection (parsing the key and the CA bundle each time): with hundreds of watches and a busy
 * pool that was about a tenth of a GitOps operator's CPU. Built once here, every connection
 * reuses it; verification (`rejectUnauthorized`, `servername`) is unchanged.
 * @throws The `SecureContext` errors of `tls.createSecureContext` (a malformed key or certificate).
 */
export function apiServerAgent(material: TlsMaterial, secure: boolean): http.Agent {
  if (!secure) return new http.Agent({ keepAlive: true });
  const { ca, cert, key, pfx, passphrase, rejectUnauthorized, servername } = material;
  const hasMaterial = ca !== undefined || cert !== undefined || key !== undefined || pfx !== undefined;
  return new https.Agent({
    keepAlive: true,
    ...(hasMaterial ? { secureContext: createSecureContext({ ca, cert, key, pfx, passphrase }) } : {}),
    ...(rejectUnauthorized !== undefined ? { rejectUnauthorized } : {}),
    ...(servername !== undefined ? { servername } : {}),
  });
}
