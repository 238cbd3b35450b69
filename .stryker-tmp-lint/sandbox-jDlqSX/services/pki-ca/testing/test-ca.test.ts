// @ts-nocheck
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { caKeyAlgorithms } from '../contract.ts';
import { createTestHierarchy, issueTestCertificate, pem, privateKeyPem, tempFiles, testSerial } from './test-ca.ts';

const run = promisify(execFile);

describe('pki-ca test hierarchy', () => {
  for (const algorithm of caKeyAlgorithms.filter((name) => name !== 'RSA-4096')) {
    it(`issues a leaf that openssl verifies under a ${algorithm} root and issuing CA`, async () => {
      const { root, issuing } = await createTestHierarchy(algorithm);
      const { certificate, keys } = await issueTestCertificate(issuing);
      const files = await tempFiles({ 'root.pem': pem(root.certificate), 'issuing.pem': pem(issuing.certificate), 'leaf.pem': pem(certificate), 'leaf.key': await privateKeyPem(keys.privateKey) });
      try {
        const { stdout } = await run('openssl', ['verify', '-x509_strict', '-CAfile', files.path('root.pem'), '-untrusted', files.path('issuing.pem'), files.path('leaf.pem')]);
        expect(stdout).to.contain('OK');
      } finally {
        await files.cleanup();
      }
    });
  }

  it('makes positive 128-bit serials', () => {
    const serial = testSerial();
    expect(serial).to.match(/^[4-7][0-9a-f]{31}$/);
  });
});
