/**
 * The operator's bootstrap CA: an ECDSA P-256 root kept in a Secret per namespace that signs the
 * TLS certificates of resources that do not ask for cert-manager. Same algorithms and profile as the
 * template's local CA (services/template/tls), but held in Kubernetes rather than in files.
 */
import { createPrivateKey } from 'node:crypto';
import { isIP } from 'node:net';
import { x509 } from '../../services/template/tls/x509.ts';
import { ECDSA_SHA256, EC_P256, certificatePem, generateKeyPair, privateKeyPem, randomSerial, validity } from '../../services/template/tls/issuing.ts';
import type { TlsMaterial } from '../children/tls.ts';

/** Says what the root is in every certificate viewer. */
export const BOOTSTRAP_CA_SUBJECT = 'CN=cryptoutil operator bootstrap CA';
const CA_DAYS = 3650;
const SERVER_DAYS = 365;

/** The CA as stored: certificate and PKCS#8 key, PEM. */
export interface CaPem {
  readonly cert: string;
  readonly key: string;
}

/** A fresh self-signed root; pathLen 0 because it signs server certificates only (RFC 5280 §4.2.1.9). */
export async function createBootstrapCa(now: Date): Promise<CaPem> {
  const keys = await generateKeyPair();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: BOOTSTRAP_CA_SUBJECT,
    ...validity(now, CA_DAYS),
    keys,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: certificatePem(certificate), key: privateKeyPem(keys.privateKey) };
}

/** A server certificate for `names` signed by `ca`; IP addresses go in iPAddress SAN entries (RFC 5280 §4.2.1.6). */
export async function issueServerCertificate(ca: CaPem, subject: string, names: readonly string[], now: Date): Promise<TlsMaterial> {
  const caCertificate = new x509.X509Certificate(ca.cert);
  const signingKey = createPrivateKey(ca.key).toCryptoKey(EC_P256, false, ['sign']);
  const keys = await generateKeyPair();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${subject}`,
    issuer: caCertificate.subject,
    ...validity(now, SERVER_DAYS),
    publicKey: keys.publicKey,
    signingKey,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((name) => ({ type: isIP(name) === 0 ? 'dns' : 'ip', value: name }))),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCertificate.publicKey),
    ],
  });
  return { cert: certificatePem(certificate), key: privateKeyPem(keys.privateKey), ca: ca.cert };
}
