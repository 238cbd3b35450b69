/**
 * Test signers for the protocols that sign with a certificate of their own: a delegated OCSP
 * responder (RFC 6960 §4.2.2.2) and a time-stamping authority (RFC 3161 §2.3), both under a test CA.
 */
// @ts-nocheck

import { x509 } from '../../template/tls/x509.ts';
import type { CaKeyAlgorithm, CaSigner } from '../contract.ts';
import { generateKeys, issueTestCertificate } from './test-ca.ts';

/** RFC 6960 §4.2.2.2.1 id-pkix-ocsp-nocheck, its value NULL. */
const OCSP_NO_CHECK = new x509.Extension('1.3.6.1.5.5.7.48.1.5', false, new Uint8Array([0x05, 0x00]));

async function signerUnder(issuing: CaSigner, algorithm: CaKeyAlgorithm, name: string, subject: string, eku: x509.ExtendedKeyUsageExtension, extra: readonly x509.Extension[]): Promise<CaSigner> {
  const keys = await generateKeys(algorithm);
  const { certificate } = await issueTestCertificate(issuing, {
    subject,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      eku,
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuing.certificate.publicKey),
      ...extra,
    ],
  });
  return { name, certificate, privateKey: keys.privateKey, keyAlgorithm: algorithm, chain: [issuing.certificate, ...issuing.chain] };
}

/** A delegated OCSP responder of `issuing`: EKU OCSPSigning and ocsp-nocheck. */
export async function delegatedOcspResponder(issuing: CaSigner, algorithm: CaKeyAlgorithm): Promise<CaSigner> {
  return await signerUnder(issuing, algorithm, 'ocsp-responder', 'CN=Test OCSP Responder', new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.ocspSigning]), [OCSP_NO_CHECK]);
}

/** A TSA signer as the `timestamp` profile issues it: EKU timeStamping only, critical. */
export async function timeStampSigner(issuing: CaSigner, algorithm: CaKeyAlgorithm): Promise<CaSigner> {
  return await signerUnder(issuing, algorithm, 'tsa', 'CN=Test TSA', new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.timeStamping], true), []);
}
