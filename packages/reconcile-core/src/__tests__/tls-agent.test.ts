import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiServerAgent } from '../client/tls-agent.js';

// A self-signed certificate for 127.0.0.1 (test fixture, valid until 2126).
const cert = `-----BEGIN CERTIFICATE-----
MIIBkDCCATagAwIBAgIUeuhwy2Ks0mkH39rJb60ZDA45NEYwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJd2VmdC10ZXN0MCAXDTI2MTEyNzAzMDY1MloYDzIxMjYxMTAz
MDMwNjUyWjAUMRIwEAYDVQQDDAl3ZWZ0LXRlc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAS5UXZHIki4SQ0K14Ilw/FxORlaffH4pCVxHB2ACPRvp5Knwe8Xl1Za
OYSv/m1nBeePtvmlGyNReBcI4HP1aWO0o2QwYjAdBgNVHQ4EFgQUFvEAkUiSpJFC
bzuWTj0ICeWPTS4wHwYDVR0jBBgwFoAUFvEAkUiSpJFCbzuWTj0ICeWPTS4wDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC
IAlDcpi4SB1jUt6IqIPLAVDklMvi/72k51LMseCZqsoFAiEAvv/dfA7Fa9cZlxxw
ryWv7q2jQO+maDKZKoF06TgLW6k=
-----END CERTIFICATE-----
`;
const key = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgLrLrKmj9mU+WR45/
Y3iZvN68NkLBMSNIwMOUrLAA0yihRANCAAS5UXZHIki4SQ0K14Ilw/FxORlaffH4
pCVxHB2ACPRvp5Knwe8Xl1ZaOYSv/m1nBeePtvmlGyNReBcI4HP1aWO0
-----END PRIVATE KEY-----
`;

function get(agent: http.Agent, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path: '/', agent }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

describe('apiServerAgent', () => {
  let server: https.Server;
  let port = 0;
  beforeAll(async () => {
    server = https.createServer({ cert, key }, (request, response) => response.end(`ok ${request.socket.remotePort}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('gives every TLS connection one SecureContext built from the kubeconfig material, verifying the server with its CA', async () => {
    const agent = apiServerAgent({ ca: cert }, true) as https.Agent & { options: https.AgentOptions };
    const context = agent.options.secureContext;
    expect(context).toBeDefined();
    // Three requests at once open three connections, all on the same context.
    const bodies = await Promise.all([get(agent, port), get(agent, port), get(agent, port)]);
    expect(new Set(bodies).size).toBe(3);
    expect(agent.options.secureContext).toBe(context);
    agent.destroy();
  });

  it('still refuses a server its CA did not sign, and honours rejectUnauthorized: false', async () => {
    const otherCa = apiServerAgent({ ca: [] as unknown as string }, true);
    await expect(get(otherCa, port)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
    otherCa.destroy();
    const insecure = apiServerAgent({ rejectUnauthorized: false }, true);
    await expect(get(insecure, port)).resolves.toMatch(/^ok /);
    insecure.destroy();
  });

  it('uses a plain keep-alive agent for http servers', () => {
    const agent = apiServerAgent({}, false);
    expect(agent).not.toBeInstanceOf(https.Agent);
    expect(agent).toBeInstanceOf(http.Agent);
  });
});
