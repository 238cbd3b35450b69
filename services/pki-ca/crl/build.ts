/**
 * RFC 5280 §5 v2 CRLs, full and delta, built from stored revocations by one pure function and
 * signed with the CA's key. Each revoked entry is written straight to DER bytes (no object per
 * entry), so a CRL of 100,000 entries builds and signs in a fraction of a second.
 */
import { createHash } from 'node:crypto';
import type { CaSigner } from '../contract.ts';
import { x509 } from '../../template/tls/x509.ts';
import { derAscii, derBitString, derBoolean, derContext, derEnumerated, derHeader, derInteger, derLength, derOctetString, derOid, derSequence, derTag, derTime, readDerChildren, readDerElement, writeDerTime } from './der.ts';
import { reasonCode, reasonNames, type ReasonName } from './reasons.ts';
import { signatureAlgorithmDer, signBytes } from '../signing.ts';

/** One revoked certificate as the CRL lists it. */
export interface RevokedEntry {
  /** The certificate's serial number, lowercase hex (32 characters for pki-ca's serials). */
  readonly serialHex: string;
  readonly revokedAt: Date;
  readonly reason: ReasonName;
}

/** Everything one CRL holds besides the issuer, which is the signer's certificate subject. */
export interface CrlOptions {
  readonly signer: CaSigner;
  /** cRLNumber (RFC 5280 §5.2.3): non-negative, at most 20 octets, increasing over full and delta CRLs alike. */
  readonly number: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  /** Revoked certificates, in any order; each serial at most once. */
  readonly entries: Iterable<RevokedEntry>;
  /**
   * The URL of the issuingDistributionPoint (critical): the full CRL's URL, the one issued
   * certificates name in their CRL distribution point, for the delta CRL too (both have one scope).
   */
  readonly distributionPoint: string;
  /** Makes a delta CRL (RFC 5280 §5.2.4): deltaCRLIndicator (critical) naming the full CRL it completes. */
  readonly delta?: { readonly baseNumber: bigint };
  /** freshestCRL (RFC 5280 §5.2.6): the delta CRL's URL; only in a full CRL. */
  readonly freshestCrl?: string;
}

const oid = {
  authorityKeyIdentifier: '2.5.29.35',
  cRLNumber: '2.5.29.20',
  deltaCRLIndicator: '2.5.29.27',
  issuingDistributionPoint: '2.5.29.28',
  freshestCRL: '2.5.29.46',
  reasonCode: '2.5.29.21',
} as const;

/** The tag of GeneralName's uniformResourceIdentifier [6] IMPLICIT IA5String. */
const uriTag = 0x86;
/** RFC 5280 §5.2.3: conforming CAs write a cRLNumber of at most 20 octets. */
const maxCrlNumber = (1n << 159n) - 1n;
const maxSerialOctets = 20;

function extension(id: string, critical: boolean, value: Uint8Array): Buffer {
  return critical ? derSequence(derOid(id), derBoolean(true), derOctetString(value)) : derSequence(derOid(id), derOctetString(value));
}

/**
 * The crlEntryExtensions of each reason, encoded once: a reasonCode extension, none for
 * `unspecified` (RFC 5280 §5.3.1 says the extension SHOULD be absent then).
 */
const entryExtensions: ReadonlyMap<ReasonName, Buffer> = new Map(reasonNames.map((name) => [
  name,
  name === 'unspecified' ? Buffer.alloc(0) : derSequence(extension(oid.reasonCode, false, derEnumerated(reasonCode(name)))),
]));

/** DistributionPointName fullName with one URI: `[0] { [0] { [6] url } }`. */
function distributionPointName(url: string): Buffer {
  return derContext(0, true, derContext(0, true, derAscii(uriTag, url)));
}

function checkNumber(name: string, value: bigint): void {
  if (value < 0n || value > maxCrlNumber) throw new RangeError(`${name} must be a non-negative integer of at most 20 octets`);
}

/** The subject of the CA certificate, exactly as encoded there (it is the CRL's issuer). */
function issuerName(certificate: x509.X509Certificate): Buffer {
  const [tbs] = readDerChildren(readDerElement(new Uint8Array(certificate.rawData)).content);
  if (tbs === undefined) throw new RangeError('CA certificate has no tbsCertificate');
  const fields = readDerChildren(tbs.content);
  const subject = fields[fields[0]?.tag === 0xa0 ? 5 : 4];
  if (subject?.tag !== derTag.sequence) throw new RangeError('CA certificate has no subject');
  return subject.encoded;
}

/** The CA's subjectKeyIdentifier, or RFC 5280 §4.2.1.2 method 1 (SHA-1 of the public key bits) when it has none. */
function keyIdentifier(certificate: x509.X509Certificate): Buffer {
  const ski = certificate.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski !== null) return Buffer.from(ski.keyId, 'hex');
  const [, publicKeyBits] = readDerChildren(readDerElement(new Uint8Array(certificate.publicKey.rawData)).content);
  if (publicKeyBits === undefined) throw new RangeError('CA certificate has no public key');
  return createHash('sha1').update(publicKeyBits.content.subarray(1)).digest();
}

function crlExtensions(options: CrlOptions): Buffer {
  const extensions = [
    extension(oid.authorityKeyIdentifier, false, derSequence(derContext(0, false, keyIdentifier(options.signer.certificate)))),
    extension(oid.cRLNumber, false, derInteger(options.number)),
  ];
  if (options.delta !== undefined) extensions.push(extension(oid.deltaCRLIndicator, true, derInteger(options.delta.baseNumber)));
  extensions.push(extension(oid.issuingDistributionPoint, true, derSequence(distributionPointName(options.distributionPoint))));
  if (options.freshestCrl !== undefined) extensions.push(extension(oid.freshestCRL, false, derSequence(derSequence(distributionPointName(options.freshestCrl)))));
  return derContext(0, true, derSequence(...extensions));
}

function checkOptions(options: CrlOptions): void {
  checkNumber('CRL number', options.number);
  if (options.delta !== undefined) {
    checkNumber('base CRL number', options.delta.baseNumber);
    if (options.delta.baseNumber >= options.number) throw new RangeError('a delta CRL\'s number must exceed its base CRL number');
    if (options.freshestCrl !== undefined) throw new RangeError('freshestCRL belongs in the full CRL, not in a delta CRL');
  }
  if (!(options.nextUpdate.getTime() > options.thisUpdate.getTime())) throw new RangeError('nextUpdate must be later than thisUpdate');
}

/** Bytes of one chunk of entries; an entry takes at most 2 + 2 + 33 (a refused serial) + 17 + 14 bytes. */
const chunkSize = 65_536;
const maxEntryLength = 72;

/**
 * Writes a serial's INTEGER contents (minimal, positive) into `target` at `offset` through the
 * 32-byte `scratch`, and returns their length; undefined when the text is not hex of at most 32 bytes.
 */
function writeSerial(serialHex: string, scratch: Buffer, target: Buffer, offset: number): number | undefined {
  const even = serialHex.length % 2 === 0 ? serialHex : `0${serialHex}`;
  if (even.length === 0 || even.length > scratch.length * 2) return undefined;
  const written = scratch.write(even, 0, 'hex');
  if (written * 2 !== even.length) return undefined;
  let first = 0;
  while (first < written - 1 && scratch[first] === 0) first += 1;
  const pad = (scratch[first] ?? 0) >= 0x80 ? 1 : 0;
  target[offset] = 0;
  scratch.copy(target, offset + pad, first, written);
  return written - first + pad;
}

/**
 * The revokedCertificates elements written straight into 64 KiB chunks, and their total length:
 * `SEQUENCE { INTEGER serial, Time revocationDate, crlEntryExtensions? }` per entry.
 */
function revokedCertificates(entries: Iterable<RevokedEntry>): { readonly parts: Buffer[]; readonly length: number } {
  const parts: Buffer[] = [];
  const scratch = Buffer.alloc(32);
  let chunk = Buffer.allocUnsafe(chunkSize);
  let used = 0;
  let length = 0;
  for (const entry of entries) {
    const { serialHex } = entry;
    const extensions = entryExtensions.get(entry.reason);
    if (extensions === undefined) throw new RangeError(`revoked entry ${serialHex.slice(0, 48)} has an unknown reason`);
    if (chunkSize - used < maxEntryLength) {
      parts.push(chunk.subarray(0, used));
      chunk = Buffer.allocUnsafe(chunkSize);
      used = 0;
    }
    const start = used;
    const serialLength = writeSerial(serialHex, scratch, chunk, start + 4);
    if (serialLength === undefined) throw new RangeError(`revoked entry serial is not hex of at most 20 octets: ${serialHex.slice(0, 48)}`);
    if (serialLength > maxSerialOctets) throw new RangeError(`revoked entry serial ${serialHex} is longer than 20 octets`);
    chunk[start] = derTag.sequence;
    chunk[start + 2] = derTag.integer;
    chunk[start + 3] = serialLength;
    used = start + 4 + serialLength;
    used += writeDerTime(entry.revokedAt, chunk, used);
    used += extensions.copy(chunk, used);
    chunk[start + 1] = used - start - 2;
    length += used - start;
  }
  if (used > 0) parts.push(chunk.subarray(0, used));
  return { parts, length };
}

/** A signed v2 CRL (full, or delta when `options.delta` is set), DER encoded. */
export async function buildCrl(options: CrlOptions): Promise<Uint8Array> {
  checkOptions(options);
  const { signer } = options;
  const algorithm = signatureAlgorithmDer(signer.keyAlgorithm);
  const revoked = revokedCertificates(options.entries);
  const head = [
    derInteger(1n),
    algorithm,
    issuerName(signer.certificate),
    derTime(options.thisUpdate),
    derTime(options.nextUpdate),
  ];
  // RFC 5280 §5.1.2.6: with no revoked certificates the list is absent, not empty.
  const list = revoked.length === 0 ? [] : [derHeader(derTag.sequence, revoked.length)];
  const extensions = crlExtensions(options);
  const tbsLength = head.reduce((sum, part) => sum + part.length, 0) + list.reduce((sum, part) => sum + part.length, 0) + revoked.length + extensions.length;
  const tbsHeader = derHeader(derTag.sequence, tbsLength);
  const tbs = Buffer.concat([tbsHeader, ...head, ...list, ...revoked.parts, extensions]);
  const signature = derBitString(await signBytes(signer, tbs));
  const bodyLength = tbs.length + algorithm.length + signature.length;
  return Buffer.concat([Buffer.of(derTag.sequence), derLength(bodyLength), tbs, algorithm, signature]);
}
