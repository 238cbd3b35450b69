/**
 * pki-ca driven the way an operator's shell would: curl for HTTP, openssl for keys, CSRs and OCSP,
 * files in a scratch directory. Shared by the tests that check our answers with those tools.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type { PkiHarness } from './harness.ts';
import type { tempFiles } from './test-ca.ts';

export const run = promisify(execFile);

export type Files = Awaited<ReturnType<typeof tempFiles>>;

/** curl against the service, trusting its TLS CA; answers status and body bytes. */
export async function curl(pki: PkiHarness, files: Files, args: readonly string[]): Promise<{ readonly status: number; readonly body: Buffer }> {
  await writeFile(files.path('tls-ca.pem'), pki.harness.service.ca);
  const out = files.path(`out-${String(Date.now())}-${String(Math.random()).slice(2)}`);
  const { stdout } = await run('curl', ['-sS', '--cacert', files.path('tls-ca.pem'), '-o', out, '-w', '%{http_code}', ...args]);
  return { status: Number(stdout), body: await readFile(out) };
}

/** The PEM certificates of a concatenated chain, each ending in a newline. */
export function splitPem(text: string): string[] {
  return (text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((pem) => `${pem}\n`);
}

/**
 * An openssl-made key and CSR for `name`, enrolled with tls-server (with `ca` when given); the
 * certificate lands in `<label>.pem`. Answers the serial and the CA that signed.
 */
export async function enrollWithOpenssl(pki: PkiHarness, files: Files, label: string, name: string, ca?: string): Promise<{ readonly serial: string; readonly ca: string }> {
  await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', files.path(`${label}.key`), '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`, '-out', files.path(`${label}.csr`)]);
  const body = { csr: await readFile(files.path(`${label}.csr`), 'utf8'), profile: 'tls-server', ...(ca === undefined ? {} : { ca }) };
  const answer = await pki.api('POST', '/enrollments', { body });
  expect(answer.status, answer.text).to.equal(201);
  const result = answer.json as { serial: string; certificate: string; ca: string };
  await writeFile(files.path(`${label}.pem`), result.certificate);
  return { serial: result.serial, ca: result.ca };
}

/** Where `openssl ocsp` finds the certificates of one OCSP exchange (file names in `files`). */
export interface OcspFiles {
  readonly issuer: string;
  readonly leaf: string;
  readonly root: string;
  readonly untrusted: string;
}

/**
 * Asks `<base>/pki/v1/ocsp/<ca>` about `leaf` with a request openssl made, and has openssl verify
 * the answer against the root; answers openssl's text (status, reason, responder).
 */
export async function askOcsp(pki: PkiHarness, files: Files, ca: string, names: OcspFiles): Promise<string> {
  const { issuer, leaf, root, untrusted } = names;
  await run('openssl', ['ocsp', '-issuer', files.path(issuer), '-cert', files.path(leaf), '-reqout', files.path(`${leaf}.req`), '-no_nonce']);
  const answer = await curl(pki, files, ['-H', 'Content-Type: application/ocsp-request', '--data-binary', `@${files.path(`${leaf}.req`)}`, `${pki.harness.service.publicUrl}/pki/v1/ocsp/${ca}`]);
  expect(answer.status).to.equal(200);
  await writeFile(files.path(`${leaf}.resp`), answer.body);
  const { stdout, stderr } = await run('openssl', ['ocsp', '-respin', files.path(`${leaf}.resp`), '-issuer', files.path(issuer), '-cert', files.path(leaf), '-CAfile', files.path(root), '-verify_other', files.path(untrusted), '-resp_text']);
  expect(stderr).to.contain('Response verify OK');
  return stdout;
}
