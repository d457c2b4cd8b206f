import { X509Certificate, createPrivateKey, createPublicKey, createSign, createVerify } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlanePki, generateControlPlanePki } from '../control-plane/pki.js';

describe('generateControlPlanePki', () => {
  // One set of keys for the file: RSA key generation takes seconds on a loaded 2-core machine.
  let pki: ControlPlanePki;
  beforeAll(async () => {
    pki = await generateControlPlanePki();
  }, 60_000);

  it('issues a serving and an admin certificate signed by its own CA', () => {
    const ca = new X509Certificate(pki.ca.certPem);
    const serving = new X509Certificate(pki.serving.certPem);
    const admin = new X509Certificate(pki.admin.certPem);

    expect(ca.ca).toBe(true);
    expect(serving.ca).toBe(false);
    expect(serving.checkIssued(ca)).toBe(true);
    expect(serving.verify(ca.publicKey)).toBe(true);
    expect(admin.verify(ca.publicKey)).toBe(true);
    expect(serving.checkHost('localhost')).toBe('localhost');
    expect(serving.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(serving.checkHost('kubernetes.default.svc')).toBe('kubernetes.default.svc');
    expect(admin.subject).toContain('O=system:masters');
    expect(admin.subject).toContain('CN=weft-admin');
    expect(serving.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
    expect(admin.keyUsage).toContain('1.3.6.1.5.5.7.3.2');
  });

  it('pairs every certificate with its private key', () => {
    for (const pair of [pki.ca, pki.serving, pki.admin]) {
      const cert = new X509Certificate(pair.certPem);
      expect(cert.checkPrivateKey(createPrivateKey(pair.keyPem))).toBe(true);
    }
  });

  it('gives a service-account key pair that signs and verifies', () => {
    const { serviceAccount } = pki;
    const signature = createSign('SHA256').update('token').sign(serviceAccount.privateKeyPem);
    expect(createVerify('SHA256').update('token').verify(createPublicKey(serviceAccount.publicKeyPem), signature)).toBe(true);
    expect(createVerify('SHA256').update('other').verify(serviceAccount.publicKeyPem, signature)).toBe(false);
  });
});
