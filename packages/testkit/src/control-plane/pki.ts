import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** A certificate and its private key, both PEM-encoded. */
export interface CertifiedKey {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Everything a control plane needs to serve TLS and authenticate its clients. */
export interface ControlPlanePki {
  /** The CA that signs the serving and client certificates; clients trust it. */
  readonly ca: CertifiedKey;
  /** kube-apiserver's serving certificate, valid for localhost, 127.0.0.1 and the in-cluster names. */
  readonly serving: CertifiedKey;
  /** The admin identity: `CN=weft-admin`, `O=system:masters`. */
  readonly admin: CertifiedKey;
  /** Service-account token signing key pair (PKCS#8 and SPKI PEM). */
  readonly serviceAccount: { readonly privateKeyPem: string; readonly publicKeyPem: string };
}

interface KeyPair {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

// Node generates the RSA keys natively (milliseconds); forge only assembles and signs certificates.
function rsaKeys(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

function serialNumber(): string {
  // A positive serial: clear the top bit so DER does not read it as negative.
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

type Attribute = { shortName: string; value: string };
type AltName = { type: 2; value: string } | { type: 7; ip: string };

interface Issuer {
  readonly cert: forge.pki.Certificate;
  readonly privateKey: forge.pki.rsa.PrivateKey;
}

function certificate(
  keys: KeyPair,
  subject: Attribute[],
  issuer: Issuer | 'self',
  extensions: object[],
): { cert: forge.pki.Certificate; certPem: string } {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = serialNumber();
  const now = Date.now();
  // A little back-dated, so clock skew between processes never makes a fresh cert "not yet valid".
  cert.validity.notBefore = new Date(now - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now + 7 * 24 * 60 * 60 * 1000);
  cert.setSubject(subject);
  cert.setIssuer(issuer === 'self' ? subject : issuer.cert.subject.attributes);
  cert.setExtensions(extensions);
  const signingKey = issuer === 'self' ? forge.pki.privateKeyFromPem(keys.privateKeyPem) : issuer.privateKey;
  cert.sign(signingKey, forge.md.sha256.create());
  return { cert, certPem: forge.pki.certificateToPem(cert) };
}

function leaf(ca: Issuer, subject: Attribute[], usage: 'server' | 'client', altNames: AltName[] = []): CertifiedKey {
  const keys = rsaKeys();
  const extensions: object[] = [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: usage === 'server', clientAuth: usage === 'client' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes() },
  ];
  if (altNames.length > 0) extensions.push({ name: 'subjectAltName', altNames });
  const { certPem } = certificate(keys, subject, ca, extensions);
  return { certPem, keyPem: keys.privateKeyPem };
}

/**
 * Generates a fresh CA, a serving certificate for kube-apiserver, an admin client
 * certificate in `system:masters`, and a service-account signing key pair.
 *
 * @remarks
 * RSA-2048 keys (generated natively by Node), SHA-256 signatures; certificates
 * are valid for a week, back-dated by an hour. Nothing is written to disk.
 *
 * @example
 * ```ts
 * import { generateControlPlanePki } from '@weft/testkit';
 * const pki = await generateControlPlanePki();
 * console.log(pki.admin.certPem.startsWith('-----BEGIN CERTIFICATE-----'));
 * ```
 */
export async function generateControlPlanePki(): Promise<ControlPlanePki> {
  const caKeys = rsaKeys();
  const caSubject = [{ shortName: 'CN', value: 'weft-testkit-ca' }];
  const caCert = certificate(caKeys, caSubject, 'self', [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  const ca: Issuer = { cert: caCert.cert, privateKey: forge.pki.privateKeyFromPem(caKeys.privateKeyPem) };
  const serving = leaf(ca, [{ shortName: 'CN', value: 'kube-apiserver' }], 'server', [
    { type: 2, value: 'localhost' },
    { type: 2, value: 'kubernetes' },
    { type: 2, value: 'kubernetes.default' },
    { type: 2, value: 'kubernetes.default.svc' },
    { type: 2, value: 'kubernetes.default.svc.cluster.local' },
    { type: 7, ip: '127.0.0.1' },
    { type: 7, ip: '10.0.0.1' },
  ]);
  const admin = leaf(
    ca,
    [
      { shortName: 'O', value: 'system:masters' },
      { shortName: 'CN', value: 'weft-admin' },
    ],
    'client',
  );
  const serviceAccount = rsaKeys();
  return {
    ca: { certPem: caCert.certPem, keyPem: caKeys.privateKeyPem },
    serving,
    admin,
    serviceAccount,
  };
}
