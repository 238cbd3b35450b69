/**
 * RFC 5652 §5 SignedData for a time-stamp token (RFC 3161 §2.4.2): one signer identified by issuer
 * and serial, signed attributes contentType, messageDigest and signingCertificateV2 (RFC 5816).
 */
import { createHash } from 'node:crypto';
import {
  Attribute, CMSVersion, CertificateChoices, CertificateSet, ContentInfo, DigestAlgorithmIdentifier, DigestAlgorithmIdentifiers, EncapsulatedContent, EncapsulatedContentInfo,
  IssuerAndSerialNumber, SignatureAlgorithmIdentifier, SignedData, SignerIdentifier, SignerInfo, SignerInfos, id_signedData,
} from '@peculiar/asn1-cms';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Certificate, GeneralName, GeneralNames } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import type { CaSigner } from '../contract.ts';
import { signatureAlgorithmIdentifier, signBytes, signerDigest } from '../signing.ts';

const ID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const ID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
/** RFC 5035 §5.4.1 id-aa-signingCertificateV2. */
const ID_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';

/** What goes into the SignedData. */
export interface SignedContent {
  readonly signer: CaSigner;
  readonly contentType: string;
  readonly content: Uint8Array;
  /** Put the signer's certificate into `certificates`. */
  readonly includeCertificate: boolean;
}

function attribute(type: string, value: ArrayBuffer): Attribute {
  return new Attribute({ attrType: type, attrValues: [value] });
}

function derOf(block: asn1js.AsnType): ArrayBuffer {
  return block.toBER(false);
}

function rawBlock(der: ArrayBuffer): asn1js.AsnType {
  return asn1js.fromBER(der).result;
}

/**
 * RFC 5816 / RFC 5035: SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }, one
 * ESSCertIDv2 with the default hash SHA-256 (so omitted), the certificate's hash and IssuerSerial.
 */
function signingCertificateV2(certificate: Certificate, certificateDer: ArrayBuffer): ArrayBuffer {
  const issuerNames = new GeneralNames([new GeneralName({ directoryName: certificate.tbsCertificate.issuer })]);
  const serial = new asn1js.Integer({ valueHex: certificate.tbsCertificate.serialNumber });
  const issuerSerial = new asn1js.Sequence({ value: [rawBlock(AsnConvert.serialize(issuerNames)), serial] });
  const certHash = new asn1js.OctetString({ valueHex: createHash('sha256').update(new Uint8Array(certificateDer)).digest() });
  const essCertIdV2 = new asn1js.Sequence({ value: [certHash, issuerSerial] });
  return derOf(new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] }));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** X.690 §11.6: a DER SET OF lists its elements in ascending order of their encodings. */
function sortedAttributes(attributes: readonly Attribute[]): { readonly sorted: Attribute[]; readonly setDer: Uint8Array } {
  const encoded = attributes.map((item) => ({ item, der: new Uint8Array(AsnConvert.serialize(item)) }));
  encoded.sort((a, b) => compareBytes(a.der, b.der));
  const set = new asn1js.Set({ value: encoded.map(({ der }) => rawBlock(der.slice().buffer)) });
  return { sorted: encoded.map(({ item }) => item), setDer: new Uint8Array(derOf(set)) };
}

/** A ContentInfo (DER) holding SignedData over `content`, signed by `signer`. */
export async function buildSignedData(options: SignedContent): Promise<Uint8Array> {
  const { signer } = options;
  const certificateDer = signer.certificate.rawData;
  const certificate = AsnConvert.parse(certificateDer, Certificate);
  const digest = signerDigest(signer.keyAlgorithm);
  const digestAlgorithm = new DigestAlgorithmIdentifier({ algorithm: digest.oid });
  const messageDigest = createHash(digest.name).update(options.content).digest();
  const { sorted, setDer } = sortedAttributes([
    attribute(ID_CONTENT_TYPE, derOf(new asn1js.ObjectIdentifier({ value: options.contentType }))),
    attribute(ID_MESSAGE_DIGEST, derOf(new asn1js.OctetString({ valueHex: messageDigest }))),
    attribute(ID_SIGNING_CERTIFICATE_V2, signingCertificateV2(certificate, certificateDer)),
  ]);
  // RFC 5652 §5.4: with signed attributes, the signature covers their DER as an explicit SET OF.
  const signature = await signBytes(signer, setDer);
  const signerInfo = new SignerInfo({
    version: CMSVersion.v1,
    sid: new SignerIdentifier({ issuerAndSerialNumber: new IssuerAndSerialNumber({ issuer: certificate.tbsCertificate.issuer, serialNumber: certificate.tbsCertificate.serialNumber }) }),
    digestAlgorithm,
    signedAttrs: sorted,
    signatureAlgorithm: new SignatureAlgorithmIdentifier(signatureAlgorithmIdentifier(signer.keyAlgorithm)),
    signature: new OctetString(signature),
  });
  const signedData = new SignedData({
    // RFC 5652 §5.1: version 3 because the encapsulated content is not id-data.
    version: CMSVersion.v3,
    digestAlgorithms: new DigestAlgorithmIdentifiers([digestAlgorithm]),
    encapContentInfo: new EncapsulatedContentInfo({ eContentType: options.contentType, eContent: new EncapsulatedContent({ single: new OctetString(options.content) }) }),
    certificates: options.includeCertificate ? new CertificateSet([new CertificateChoices({ certificate })]) : undefined,
    signerInfos: new SignerInfos([signerInfo]),
  });
  return new Uint8Array(AsnConvert.serialize(new ContentInfo({ contentType: id_signedData, content: AsnConvert.serialize(signedData) })));
}
