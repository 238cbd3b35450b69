/**
 * openssl as the time-stamp client (RFC 3161): its queries are answered with tokens that
 * `openssl ts -verify` accepts, for each CA key algorithm, with and without the certificate.
 */
import { execFile } from 'node:child_process';
import { createHash, webcrypto } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { SignedData } from '@peculiar/asn1-cms';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { TimeStampResp } from '@peculiar/asn1-tsp';
import * as asn1js from 'asn1js';
import { expect } from 'chai';
import { timeStampSigner } from '../testing/responders.ts';
import { createTestHierarchy, pem, tempFiles } from '../testing/test-ca.ts';
import type { x509 } from '../../template/tls/x509.ts';
import type { CaKeyAlgorithm, CaSigner } from '../contract.ts';
import { parseTimeStampReq } from './request.ts';
import { buildTimeStampResp, DEFAULT_TSA_POLICY } from './response.ts';

const run = promisify(execFile);

async function openssl(args: readonly string[]): Promise<string> {
  const { stdout, stderr } = await run('openssl', args);
  return `${stdout}${stderr}`;
}

/** The parts of a granted reply's token a verifier needs, read with the CMS schema. */
function tokenParts(reply: Uint8Array): { signedAttributes: Uint8Array; signature: Uint8Array; certificate?: ArrayBuffer; messageDigest: Uint8Array; content: Uint8Array; digestAlgorithm: string } {
  const token = AsnConvert.parse(reply, TimeStampResp).timeStampToken;
  if (token === undefined) throw new Error('the reply carries no token');
  const signedData = AsnConvert.parse(token.content, SignedData);
  const signerInfo = signedData.signerInfos[0];
  if (signerInfo === undefined || signedData.encapContentInfo.eContent?.single === undefined) throw new Error('the token has no signer or content');
  // The attributes as sent: SignerInfo's fourth element, [0] IMPLICIT, read from the wire.
  const wire = asn1js.fromBER(token.content).result;
  const signerInfos = wire instanceof asn1js.Sequence ? wire.valueBlock.value.at(-1) : undefined;
  const wireSignerInfo = signerInfos instanceof asn1js.Set ? signerInfos.valueBlock.value[0] : undefined;
  const wireAttributes = wireSignerInfo instanceof asn1js.Sequence ? wireSignerInfo.valueBlock.value[3] : undefined;
  const signedAttributes = Uint8Array.from(wireAttributes?.valueBeforeDecodeView ?? []);
  // RFC 5652 §5.4: the signature covers the attributes encoded as SET OF, not as [0] IMPLICIT.
  signedAttributes[0] = 0x31;
  const digestValue = signerInfo.signedAttrs?.find((attribute) => attribute.attrType === '1.2.840.113549.1.9.4')?.attrValues[0];
  const certificate = signedData.certificates?.[0]?.certificate;
  return {
    signedAttributes,
    signature: new Uint8Array(signerInfo.signature.buffer),
    ...(certificate === undefined ? {} : { certificate: AsnConvert.serialize(certificate) }),
    messageDigest: new Uint8Array(AsnConvert.parse(digestValue ?? new ArrayBuffer(0), OctetString).buffer),
    content: new Uint8Array(signedData.encapContentInfo.eContent.single.buffer),
    digestAlgorithm: signerInfo.digestAlgorithm.algorithm,
  };
}

describe('time-stamp tokens verified by openssl ts (RFC 3161, RFC 5816)', function () {
  this.timeout(20_000);
  const authorities = new Map<CaKeyAlgorithm, { readonly root: CaSigner; readonly signer: CaSigner }>();

  before(async function () {
    await Promise.all((['ES256', 'RSA-3072', 'Ed25519'] as const).map(async (algorithm) => {
      const { root, issuing } = await createTestHierarchy(algorithm);
      authorities.set(algorithm, { root, signer: await timeStampSigner(issuing, algorithm) });
    }));
  });

  function authority(algorithm: CaKeyAlgorithm): { readonly root: CaSigner; readonly issuing: x509.X509Certificate; readonly signer: CaSigner } {
    const found = authorities.get(algorithm);
    const issuing = found?.signer.chain[0];
    if (found === undefined || issuing === undefined) throw new Error(`no TSA of ${algorithm}`);
    return { ...found, issuing };
  }

  for (const algorithm of ['ES256', 'RSA-3072'] as const) {
    it(`${algorithm}: a query with -cert and a nonce verifies, and -text shows policy, nonce and serial`, async function () {
      const { root, issuing, signer } = authority(algorithm);
      const files = await tempFiles({ 'data.txt': 'the document to time-stamp\n', 'root.pem': pem(root.certificate), 'chain.pem': pem(issuing), 'all.pem': `${pem(issuing)}\n${pem(signer.certificate)}\n` });
      try {
        await openssl(['ts', '-query', '-data', files.path('data.txt'), '-sha256', '-cert', '-out', files.path('req.tsq')]);
        const request = parseTimeStampReq(await readFile(files.path('req.tsq')));
        await writeFile(files.path('resp.tsr'), await buildTimeStampResp({ signer, request, serial: 0x40aa55n, now: new Date('2026-03-04T05:06:07.891Z'), accuracySeconds: 1 }));
        const verified = await openssl(['ts', '-verify', '-in', files.path('resp.tsr'), '-queryfile', files.path('req.tsq'), '-CAfile', files.path('root.pem'), '-untrusted', files.path('chain.pem')]);
        expect(verified).to.include('Verification: OK');
        const text = await openssl(['ts', '-reply', '-in', files.path('resp.tsr'), '-text']);
        expect(text).to.include('Status: Granted.');
        expect(text).to.include(`Policy OID: ${DEFAULT_TSA_POLICY}`);
        expect(text).to.include('Serial number: 0x40AA55');
        expect(text).to.include('Time stamp: Mar  4 05:06:07 2026 GMT');
        expect(text).to.include('Accuracy: 0x01 seconds');
        expect(text).to.match(/Nonce: 0x[0-9A-F]+/);
      } finally {
        await files.cleanup();
      }
    });
  }

  it('Ed25519 (RFC 8419): openssl reads the reply, and the signature over the signed attributes verifies', async function () {
    // openssl 3.0 has no EdDSA in CMS or PKCS#7 (`ts -verify` fails with "operation not supported
    // for this keytype"), so the signature is checked here with WebCrypto from the parsed token.
    const { root, signer } = authority('Ed25519');
    const files = await tempFiles({ 'data.txt': 'an Ed25519 document\n', 'root.pem': pem(root.certificate) });
    try {
      await openssl(['ts', '-query', '-data', files.path('data.txt'), '-sha384', '-cert', '-out', files.path('req.tsq')]);
      const request = parseTimeStampReq(await readFile(files.path('req.tsq')));
      const reply = await buildTimeStampResp({ signer, request, serial: 7n, now: new Date() });
      await writeFile(files.path('resp.tsr'), reply);
      const text = await openssl(['ts', '-reply', '-in', files.path('resp.tsr'), '-text']);
      expect(text).to.include('Status: Granted.');
      expect(text).to.include('Hash Algorithm: sha384');
      const { signedAttributes, signature, certificate, messageDigest, content, digestAlgorithm } = tokenParts(reply);
      expect(digestAlgorithm).to.equal('2.16.840.1.101.3.4.2.3');
      expect(Buffer.from(messageDigest).equals(createHash('sha512').update(content).digest())).to.equal(true);
      expect(Buffer.from(certificate ?? new ArrayBuffer(0)).equals(Buffer.from(signer.certificate.rawData))).to.equal(true);
      const publicKey = await webcrypto.subtle.importKey('spki', signer.certificate.publicKey.rawData, { name: 'Ed25519' }, false, ['verify']);
      expect(await webcrypto.subtle.verify({ name: 'Ed25519' }, publicKey, signature, signedAttributes)).to.equal(true);
      const tampered = Uint8Array.from(signedAttributes);
      tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 1;
      expect(await webcrypto.subtle.verify({ name: 'Ed25519' }, publicKey, signature, tampered)).to.equal(false);
    } finally {
      await files.cleanup();
    }
  });

  it('without -cert the token leaves the certificate out, and verifies with it given as untrusted', async function () {
    const { root, issuing, signer } = authority('ES256');
    const files = await tempFiles({ 'data.txt': 'another document\n', 'root.pem': pem(root.certificate), 'chain.pem': pem(issuing), 'all.pem': `${pem(issuing)}\n${pem(signer.certificate)}\n` });
    try {
      await openssl(['ts', '-query', '-data', files.path('data.txt'), '-sha512', '-no_nonce', '-tspolicy', DEFAULT_TSA_POLICY, '-out', files.path('req.tsq')]);
      const request = parseTimeStampReq(await readFile(files.path('req.tsq')));
      expect(request.certReq).to.equal(false);
      expect(request.nonce).to.equal(undefined);
      expect(request.reqPolicy).to.equal(DEFAULT_TSA_POLICY);
      await writeFile(files.path('resp.tsr'), await buildTimeStampResp({ signer, request, serial: 'deadbeef', now: new Date() }));
            const refused = await openssl(['ts', '-verify', '-in', files.path('resp.tsr'), '-queryfile', files.path('req.tsq'), '-CAfile', files.path('root.pem'), '-untrusted', files.path('chain.pem')]).catch((error: unknown) => String(error));
      expect(refused).to.not.include('Verification: OK');
      const verified = await openssl(['ts', '-verify', '-in', files.path('resp.tsr'), '-queryfile', files.path('req.tsq'), '-CAfile', files.path('root.pem'), '-untrusted', files.path('all.pem')]);
      expect(verified).to.include('Verification: OK');
      const text = await openssl(['ts', '-reply', '-in', files.path('resp.tsr'), '-text']);
      expect(text).to.include('Serial number: 0xDEADBEEF');
      expect(text).to.include('Nonce: unspecified');
      expect(text).to.include(`Policy OID: ${DEFAULT_TSA_POLICY}`);
      expect(text).to.include('Accuracy: unspecified');
    } finally {
      await files.cleanup();
    }
  });
});
