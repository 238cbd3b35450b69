import { expect } from 'chai';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { openDatabase } from '../template/database/index.ts';
import { createPostgresDatabase, type Scratch } from '../template/testing/databases.ts';
import { ALGORITHM_NAMES, resolveAlgorithm } from '../template/jose/index.ts';
import { startSmKms, type KmsHarness } from './testing/harness.ts';

/** JWK members that hold private or secret key material (RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'k', 'p', 'q', 'dp', 'dq', 'qi'];

/** A JSON private member in clear: `"d":"...` and friends. */
const CLEAR_MEMBER = new RegExp(`"(${PRIVATE_MEMBERS.join('|')})"\\s*:\\s*"`);

/** The secrets of the JWKs the test imports, as base64url text and as raw bytes. */
function secretsOf(jwks: readonly JWK[]): Buffer[] {
  return jwks.flatMap((jwk) => PRIVATE_MEMBERS.flatMap((member) => {
    const value = (jwk as Record<string, unknown>)[member];
    return typeof value === 'string' ? [Buffer.from(value), Buffer.from(value, 'base64url')] : [];
  }));
}

interface Imports {
  readonly rsa: JWK;
  readonly ec: JWK;
}

/**
 * Creates one elastic key per algorithm row and uses it once. RSA rows take an imported key (one
 * 2048-bit key for all of them: generating 3072-bit keys for 30 rows would take most of a minute);
 * every other row generates its own, and one oct and one EC key are imported too.
 */
async function exerciseEveryAlgorithm(kms: KmsHarness, imports: Imports): Promise<void> {
  for (const name of ALGORITHM_NAMES) {
    const row = resolveAlgorithm(name);
    const imported = row.kty === 'RSA';
    const created = await kms.api('POST', '/elastickeys', { body: { name: `every-${name}`, algorithm: name, importAllowed: imported } });
    expect(created.status, `${name}: ${created.text}`).to.equal(201);
    const { id } = created.json as { id: string };
    if (imported) expect((await kms.api('POST', `/elastickeys/${id}/import`, { body: { jwk: imports.rsa } })).status, name).to.equal(201);
    if (row.use === 'enc') {
      const jwe = await kms.api('POST', `/elastickeys/${id}/encrypt?context=c`, { body: 'plain' });
      expect((await kms.api('POST', `/elastickeys/${id}/decrypt?context=c`, { body: jwe.text, contentType: 'application/jose' })).text, name).to.equal('plain');
    } else {
      const jws = await kms.api('POST', `/elastickeys/${id}/sign`, { body: 'payload' });
      expect((await kms.api('POST', `/elastickeys/${id}/verify`, { body: jws.text, contentType: 'application/jose' })).status, name).to.equal(204);
    }
  }
  const ec = (await kms.api('POST', '/elastickeys', { body: { name: 'imported-ec', algorithm: 'ES256', importAllowed: true } })).json as { id: string };
  expect((await kms.api('POST', `/elastickeys/${ec.id}/import`, { body: { jwk: imports.ec } })).status).to.equal(201);
  const gen = (await kms.api('POST', '/elastickeys', { body: { name: 'generator', algorithm: 'A256GCM/A256KW' } })).json as { id: string };
  expect((await kms.api('POST', `/elastickeys/${gen.id}/generate?alg=EC/P-256`)).status).to.equal(201);
}

function expectNoClearSecret(haystack: Buffer, secrets: readonly Buffer[], where: string): void {
  expect(CLEAR_MEMBER.test(haystack.toString('latin1')), `${where} holds a private JWK member in clear`).to.equal(false);
  for (const secret of secrets) expect(haystack.includes(secret), `${where} holds an imported secret`).to.equal(false);
}

describe('no clear secret or private key material at rest (issue "sm-kms" point 5)', function () {
  // Every algorithm on two databases: about a hundred keys each.
  this.timeout(25_000);
  let imports: Imports;
  let secrets: Buffer[];
  before(async () => {
    const rsa = await generateKeyPair('RSA-OAEP-256', { modulusLength: 2048, extractable: true });
    const ec = await generateKeyPair('ES256', { extractable: true });
    imports = { rsa: await exportJWK(rsa.privateKey), ec: await exportJWK(ec.privateKey) };
    secrets = secretsOf([imports.rsa, imports.ec]);
  });

  it('the SQLite files hold none after every algorithm has been used', async () => {
    const kms = await startSmKms();
    const dir = kms.harness.dataDir;
    try {
      await exerciseEveryAlgorithm(kms, imports);
      const files = (await readdir(dir)).filter((file) => file.includes('.sqlite'));
      expect(files.length).to.be.at.least(1);
      for (const file of files) expectNoClearSecret(await readFile(join(dir, file)), secrets, file);
    } finally {
      await kms.close();
    }
  });

  it('the PostgreSQL rows hold none after every algorithm has been used', async () => {
    const scratch: Scratch = await createPostgresDatabase();
    try {
      const kms = await startSmKms({ databaseUrl: scratch.url });
      try {
        await exerciseEveryAlgorithm(kms, imports);
      } finally {
        await kms.close();
      }
      const db = await openDatabase({ url: scratch.url, entities: [], migrations: [] });
      try {
        const connection = db.orm.em.getConnection();
        const tables = await connection.execute<{ table_name: string }[]>("select table_name from information_schema.tables where table_schema = 'public'");
        expect(tables.map((table) => table.table_name)).to.include.members(['kms_material_keys', 'kms_elastic_keys', 'kms_audit_events']);
        for (const { table_name: table } of tables) {
          const rows = await connection.execute<Record<string, unknown>[]>(`select * from ${table}`);
          const dump = Buffer.concat(rows.flatMap((row) => Object.values(row).map((value) =>
            Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)))));
          expectNoClearSecret(dump, secrets, table);
        }
      } finally {
        await db.close();
      }
    } finally {
      await scratch.drop();
    }
  });
});
