/**
 * Builders of deliberately broken certificates for the issuance lint's tests: re-sign a certificate
 * after editing its parsed TBSCertificate, or its DER where the ASN.1 library would normalise the edit.
 */
// @ts-nocheck

import { KeyObject, sign } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, TBSCertificate } from '@peculiar/asn1-x509';
import { x509 } from '../../template/tls/x509.ts';
import { signingAlgorithm, type CaSigner } from '../contract.ts';

/** A DER element of `tag` around the concatenated contents. */
export function derElement(tag: number, ...contents: readonly Uint8Array[]): Uint8Array {
  const content = Buffer.concat(contents);
  const length = content.length < 0x80 ? [content.length] : content.length < 0x100 ? [0x81, content.length] : [0x82, content.length >> 8, content.length & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), content]);
}

/** Node's digest name for a CA's signing algorithm (`null` for Ed25519). */
function digestOf(signer: CaSigner): string | null {
  const hash = signingAlgorithm(signer.keyAlgorithm).hash;
  return hash === undefined ? null : hash.replace('SHA-', 'sha');
}

/** Signs TBSCertificate DER with the signer's key and returns the whole certificate. */
export function signTbs(tbsDer: Uint8Array, signer: CaSigner, template: x509.X509Certificate): x509.X509Certificate {
  const signature = sign(digestOf(signer), tbsDer, { key: KeyObject.from(signer.privateKey), dsaEncoding: 'der' });
  const algorithm = new Uint8Array(AsnConvert.serialize(AsnConvert.parse(template.rawData, Certificate).signatureAlgorithm));
  // Assembled by hand so that the TBS stays byte for byte what the test wrote.
  return new x509.X509Certificate(derElement(0x30, tbsDer, algorithm, derElement(0x03, new Uint8Array([0]), signature)));
}

/** The certificate with its TBSCertificate edited and re-signed by `signer`. */
export function resign(certificate: x509.X509Certificate, signer: CaSigner, edit: (tbs: TBSCertificate) => void): x509.X509Certificate {
  const tbs = AsnConvert.parse(certificate.rawData, Certificate).tbsCertificate;
  edit(tbs);
  return signTbs(new Uint8Array(AsnConvert.serialize(tbs)), signer, certificate);
}
