/**
 * `node test/bench/crl.ts [entries=100000]`: builds and signs a full CRL of N revoked entries with
 * an ES256 and with an RSA-3072 issuing CA, checks each signature, and prints one JSON line with
 * the time each took (the second build of each, so the first one's compilation is not counted) and
 * the size of the ES256 CRL in bytes.
 */
import { createPublicKey, verify } from 'node:crypto';
import type { CaKeyAlgorithm, CaSigner } from '../../services/pki-ca/contract.ts';
import { buildCrl, type RevokedEntry } from '../../services/pki-ca/crl/build.ts';
import { readDerChildren, readDerElement } from '../../services/pki-ca/crl/der.ts';
import { reasonNames } from '../../services/pki-ca/crl/reasons.ts';
import { createTestHierarchy, testSerial } from '../../services/pki-ca/testing/test-ca.ts';

const DAY_MS = 86_400_000;
const count = Number(process.argv[2] ?? '100000');
if (!Number.isSafeInteger(count) || count < 0) {
  process.stderr.write('usage: node test/bench/crl.ts [entries=100000]\n');
  process.exit(2);
}

const now = Date.now();
const entries: readonly RevokedEntry[] = Array.from({ length: count }, (_, index) => ({
  serialHex: testSerial(),
  revokedAt: new Date(now - index * 1000),
  reason: reasonNames[index % reasonNames.length] ?? 'unspecified',
}));

function crlOptions(signer: CaSigner, list: Iterable<RevokedEntry>): Parameters<typeof buildCrl>[0] {
  return {
    signer,
    number: 1n,
    thisUpdate: new Date(now),
    nextUpdate: new Date(now + DAY_MS),
    entries: list,
    distributionPoint: `https://ca.test:8380/pki/v1/crl/${signer.name}.crl`,
    freshestCrl: `https://ca.test:8380/pki/v1/crl/${signer.name}-delta.crl`,
  };
}

/** Checks the CRL's signature with the CA's public key (node:crypto; no ASN.1 object per entry). */
function checkSignature(der: Uint8Array, signer: CaSigner): void {
  const [tbs, , signature] = readDerChildren(readDerElement(der).content);
  if (tbs === undefined || signature === undefined) throw new Error('the CRL has no tbsCertList or signature');
  const key = createPublicKey({ key: Buffer.from(signer.certificate.publicKey.rawData), format: 'der', type: 'spki' });
  const hash = signer.keyAlgorithm === 'ES384' ? 'sha384' : 'sha256';
  if (!verify(hash, tbs.encoded, { key, dsaEncoding: 'der' }, signature.content.subarray(1))) throw new Error(`the ${signer.keyAlgorithm} CRL signature does not verify`);
}

async function measure(algorithm: CaKeyAlgorithm): Promise<{ readonly ms: number; readonly bytes: number }> {
  const { issuing } = await createTestHierarchy(algorithm);
  await buildCrl(crlOptions(issuing, entries));
  const started = performance.now();
  const der = await buildCrl(crlOptions(issuing, entries));
  const ms = Math.round(performance.now() - started);
  checkSignature(der, issuing);
  return { ms, bytes: der.length };
}

const es256 = await measure('ES256');
const rsa3072 = await measure('RSA-3072');
process.stdout.write(`${JSON.stringify({ scenario: 'crl-regenerate', entries: count, es256_ms: es256.ms, rsa3072_ms: rsa3072.ms, bytes: es256.bytes })}\n`);
