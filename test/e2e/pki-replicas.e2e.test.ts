/**
 * pki-ca as two replicas on one PostgreSQL database: two `cryptoutil pki-ca start` processes with
 * the same unseal shares and `pki.bootstrap` start together, and requests alternate between them.
 * The bootstrap race leaves one hierarchy; an ACME client behind a TCP forwarder that alternates
 * between them orders a certificate, each signed request on the other replica than its nonce and
 * than the one before; a nonce is good once on either; OCSP answers what the other replica revoked;
 * and the `crl` lease lets one replica publish each CRL number until it is killed, when the other
 * takes over.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exportJWK, FlattenedSign, type JWK } from 'jose';
import { http01Responder, orderLocalhost, type Http01Responder } from '../../services/pki-ca/testing/http01.ts';
import { generateCsrKeys, makeCsr } from '../../services/pki-ca/testing/test-csr.ts';
import { openDatabase, type Database } from '../../services/template/database/index.ts';
import { createPostgresDatabase, type Scratch } from '../../services/template/testing/databases.ts';
import { createTestIssuer, type TestIssuer } from '../../services/template/testing/issuer.ts';
import { httpsCall, type HttpAnswer } from '../../services/template/testing/service-harness.ts';
import { run, serviceFiles, sourceCli, start, type Running, type ServiceFiles } from './processes.ts';

/** Seconds between delta CRLs (the schedule's tick); the lease lasts two ticks. */
const DELTA_SECONDS = 2;
const FULL_SECONDS = 4;
const LEASE_MS = 2 * DELTA_SECONDS * 1000;

interface InitOutput {
  readonly shares: readonly string[];
  readonly keyCheck: string;
}

/** One running replica: its files, its process and its public base URL. */
interface Replica {
  readonly name: 'A' | 'B';
  readonly files: ServiceFiles;
  readonly process: Running;
  readonly url: string;
}

/**
 * A TCP forwarder (TLS passes through) that hands connections to the backends in turns of `turn`
 * connections each, counting them.
 */
interface Forwarder {
  readonly port: number;
  /** Connections handed to each backend, in the order the backends were given. */
  readonly connections: number[];
  close(): void;
}

async function roundRobin(backends: readonly number[], turn: number): Promise<Forwarder> {
  const connections = backends.map(() => 0);
  let next = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const index = Math.floor(next / turn) % backends.length;
    next += 1;
    connections[index] = (connections[index] ?? 0) + 1;
    const upstream = net.connect(backends[index] ?? 0, '127.0.0.1');
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => { open.delete(socket); });
    }
    client.on('error', () => { upstream.destroy(); });
    upstream.on('error', () => { client.destroy(); });
    client.pipe(upstream).pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    connections,
    close: () => {
      for (const socket of open) socket.destroy();
      server.close();
    },
  };
}

/** One request a replica logged as completed. */
interface Served {
  readonly replica: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly userAgent: string;
  readonly at: number;
}

/** Every request both replicas logged, in the order they completed. */
function requestsOf(replicas: readonly Replica[]): Served[] {
  return replicas.flatMap((replica) => replica.process.stdout().split('\n').filter((line) => line.includes('"request completed"')).map((line) => {
    const entry = JSON.parse(line) as { method: string; path: string; status: number; userAgent: string; time: string };
    return { replica: replica.name, method: entry.method, path: entry.path, status: entry.status, userAgent: entry.userAgent, at: Date.parse(entry.time) };
  })).sort((x, y) => x.at - y.at);
}

/** A command's stdout and stderr; rejects when it exits non-zero. */
async function tool(command: string, args: readonly string[]): Promise<{ readonly stdout: string; readonly stderr: string }> {
  return await promisify(execFile)(command, [...args]);
}

/** Polls `probe` until it returns a value; fails naming `what` after `timeoutMs`. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One `pki-ca published a CRL` log line. */
interface Published {
  readonly ca: string;
  readonly kind: string;
  readonly number: bigint;
  readonly at: number;
}

/** The CRLs a replica's log says it published, in order. */
function publishedBy(replica: Replica): Published[] {
  return replica.process.stdout().split('\n').filter((line) => line.includes('"pki-ca published a CRL"')).map((line) => {
    const entry = JSON.parse(line) as { ca: string; kind: string; number: string; time: string };
    return { ca: entry.ca, kind: entry.kind, number: BigInt(entry.number), at: Date.parse(entry.time) };
  });
}

/** A CA's CRL numbers the log lists, as strings for comparisons. */
function numbersOf(published: readonly Published[], ca: string): string[] {
  return published.filter((entry) => entry.ca === ca).map((entry) => String(entry.number));
}

describe('pki-ca as two replicas on one PostgreSQL (e2e)', function () {
  this.timeout(60_000);
  let dir: string;
  let issuer: TestIssuer;
  let token: string;
  let scratch: Scratch;
  let db: Database;
  let challenges: Http01Responder;
  let forwarder: Forwarder;
  let a: Replica;
  let b: Replica;
  /** Both replicas' TLS CAs: the forwarder passes TLS through to either. */
  let tlsCa: string;
  /** The bootstrapped hierarchy as PEM files, for openssl. */
  let pem: { readonly root: string; readonly chain: string; readonly issuing: string; readonly untrusted: string };

  const sql = async <T>(query: string, params: readonly unknown[] = []): Promise<T[]> =>
    await db.orm.em.getConnection().execute<T[]>(query, [...params]);
  const call = (method: string, url: string, body?: unknown): Promise<HttpAnswer> =>
    httpsCall(tlsCa, method, url, { token, ...(body === undefined ? {} : { body }) });

  before(async function () {
    this.timeout(90_000);
    const initializing = run(sourceCli, ['pki-ca', 'init', '--shares', '3', '--threshold', '2', '--json']);
    dir = await mkdtemp(join(tmpdir(), 'cryptoutil-replicas-e2e-'));
    issuer = await createTestIssuer({ tokenLifetimeSeconds: 600 });
    token = await issuer.serviceToken({ clientId: 'e2e', audience: 'urn:cryptoutil:pki-ca', scopes: ['ca:read', 'ca:issue', 'ca:revoke'] });
    scratch = await createPostgresDatabase();
    db = await openDatabase({ url: scratch.url, entities: [], migrations: [], poolMax: 2 });
    challenges = await http01Responder('127.0.0.1');
    const initialized = await initializing;
    expect(initialized.code, initialized.stderr).to.equal(0);
    const { shares, keyCheck } = JSON.parse(initialized.stdout) as InitOutput;

    // The forwarder's port is the one URL every certificate and ACME resource names.
    const layouts = await Promise.all(['A', 'B'].map(() => serviceFiles('pki-ca', {
      issuerCa: issuer.ca,
      issuerUrl: issuer.url,
      databaseUrl: scratch.url,
      extra: () => [`barrier: { threshold: 2, keyCheck: "${keyCheck}", shares: [${shares.map((share) => `"${share}"`).join(', ')}] }`],
    })));
    // acme-client fetches a new nonce before each signed request: in turns of two connections, each
    // signed request lands on the other replica than its nonce and than the signed request before it.
    forwarder = await roundRobin(layouts.map((files) => files.publicPort), 2);
    const publicUrl = `https://127.0.0.1:${String(forwarder.port)}`;
    for (const files of layouts) {
      const text = await readFile(files.configFile, 'utf8');
      await writeFile(files.configFile, `${text}\npki: { bootstrap: true, publicUrl: "${publicUrl}", acmeHttpPort: ${String(challenges.port)}, crlIntervalSeconds: ${String(FULL_SECONDS)}, deltaCrlIntervalSeconds: ${String(DELTA_SECONDS)} }\n`);
    }
    // Both at once: both migrate, initialize the barrier and bootstrap the hierarchy concurrently.
    const [filesA, filesB] = layouts as [ServiceFiles, ServiceFiles];
    const launch = (name: 'A' | 'B', files: ServiceFiles): Replica => ({
      name,
      files,
      process: start(sourceCli, ['pki-ca', 'start', '--config', files.configFile], { CRYPTOUTIL_LOG_LEVEL: 'debug' }),
      url: `https://127.0.0.1:${String(files.publicPort)}`,
    });
    a = launch('A', filesA);
    b = launch('B', filesB);
    await Promise.all([a.process.waitFor('listening on', 60_000), b.process.waitFor('listening on', 60_000)]);
    tlsCa = `${filesA.ca()}\n${filesB.ca()}`;
    await writeFile(join(dir, 'tls-ca.pem'), tlsCa);
  });

  after(async () => {
    // A `before` that failed early leaves the replicas unset.
    for (const replica of [a, b] as (Replica | undefined)[]) {
      const child = replica?.process.child;
      if (replica !== undefined && child?.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await replica.process.finished;
      }
    }
    forwarder.close();
    challenges.close();
    await db.close();
    await scratch.drop();
    await issuer.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('bootstraps one hierarchy although both replicas raced for it: GET /cas lists the same three CAs on both', async () => {
    interface CaRow { readonly name: string; readonly kind: string; readonly parent: string | null; readonly fingerprintSha256: string; readonly certificate: string }
    const listed = await Promise.all([a, b].map((replica) => until(`GET /cas on ${replica.name} to list the hierarchy`, async () => {
      const answer = await call('GET', `${replica.url}/service/api/v1/cas`);
      const items = (answer.json as { items?: CaRow[] } | undefined)?.items ?? [];
      return answer.status === 200 && items.length >= 3 ? items : undefined;
    })));
    const [onA = [], onB = []] = listed;
    expect(onA.map((ca) => [ca.name, ca.kind, ca.parent])).to.deep.equal([['root', 'root', null], ['intermediate', 'intermediate', 'root'], ['default', 'issuing', 'intermediate']]);
    expect(onB).to.deep.equal(onA);
    const [{ count }] = await sql<{ count: string }>('select count(*) as count from pki_cas') as [{ count: string }];
    expect(Number(count)).to.equal(3);
    const certificate = (name: string): string => onA.find((ca) => ca.name === name)?.certificate ?? '';
    pem = { root: join(dir, 'root.pem'), chain: join(dir, 'chain.pem'), issuing: join(dir, 'issuing.pem'), untrusted: join(dir, 'untrusted.pem') };
    await writeFile(pem.root, certificate('root'));
    await writeFile(pem.issuing, certificate('default'));
    await writeFile(pem.untrusted, `${certificate('default')}${certificate('intermediate')}`);
    await writeFile(pem.chain, `${certificate('default')}${certificate('intermediate')}${certificate('root')}`);
  });

  it('issues over ACME with each signed request on the other replica than its nonce and than the request before it', async () => {
    const since = Date.now();
    const { chain } = await orderLocalhost(`https://127.0.0.1:${String(forwarder.port)}/acme/default/directory`, tlsCa, challenges);
    // Both replicas log a request when it completes; the client sent them one after the other.
    await sleep(200);
    const acme = requestsOf([a, b]).filter((request) => request.at >= since && request.userAgent.startsWith('node-acme-client'));
    const signed = acme.filter((request) => request.method === 'POST');
    expect(signed.map((request) => (request.path.endsWith('/finalize') ? 'finalize' : request.path.split('/')[3]))).to.include.members(['new-account', 'new-order', 'authz', 'chall', 'finalize', 'cert']);
    for (const [index, request] of signed.entries()) {
      const nonce = acme.slice(0, acme.indexOf(request)).reverse().find((earlier) => earlier.path.endsWith('/new-nonce'));
      expect(nonce?.replica, `the nonce of ${request.path}`).to.not.equal(request.replica);
      if (index > 0) expect(signed[index - 1]?.replica, `the request before ${request.path}`).to.not.equal(request.replica);
    }
    expect(forwarder.connections.every((count) => count >= signed.length / 2)).to.equal(true);
    const [leaf = ''] = chain.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    const leafFile = join(dir, 'acme-leaf.pem');
    await writeFile(leafFile, `${leaf}\n`);
    const verified = await tool('openssl', ['verify', '-CAfile', pem.root, '-untrusted', pem.untrusted, leafFile]);
    expect(verified.stdout.trim()).to.equal(`${leafFile}: OK`);
  });

  it('accepts a nonce from A once at B and refuses it replayed at A (badNonce)', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk: JWK = await exportJWK(pair.publicKey);
    const nonce = await until('a nonce from A', async () => {
      const answer = await httpsCall(tlsCa, 'HEAD', `${a.url}/acme/default/new-nonce`);
      const value = answer.headers['replay-nonce'];
      return typeof value === 'string' && value !== '' ? value : undefined;
    });
    // The JWS names the one public URL; which replica receives it does not matter.
    const url = `https://127.0.0.1:${String(forwarder.port)}/acme/default/new-account`;
    const payload = new TextEncoder().encode(JSON.stringify({ termsOfServiceAgreed: true }));
    const signed = { ...await new FlattenedSign(payload).setProtectedHeader({ alg: 'ES256', jwk, nonce, url }).sign(pair.privateKey) };
    const post = (replica: Replica): Promise<HttpAnswer> =>
      httpsCall(tlsCa, 'POST', `${replica.url}/acme/default/new-account`, { body: signed, headers: { 'content-type': 'application/jose+json' } });
    const accepted = await post(b);
    expect(accepted.status, accepted.text).to.equal(201);
    const replayed = await post(a);
    expect(replayed.status, replayed.text).to.equal(400);
    expect(replayed.json).to.have.property('type', 'urn:ietf:params:acme:error:badNonce');
    expect(replayed.headers['replay-nonce']).to.be.a('string').and.not.equal(nonce);
  });

  it('answers OCSP on both for a certificate enrolled on A and revoked on B: good before, revoked after, verified against the root', async () => {
    const keys = await generateCsrKeys('P-256');
    const csr = await makeCsr(keys, { subject: 'CN=replica.example', sans: [{ type: 'dns', value: 'replica.example' }] });
    const enrolled = await call('POST', `${a.url}/service/api/v1/enrollments`, { csr: csr.toString('pem'), profile: 'tls-server' });
    expect(enrolled.status, enrolled.text).to.equal(201);
    const { serial, certificate } = enrolled.json as { serial: string; certificate: string };
    const leaf = join(dir, 'enrolled.pem');
    await writeFile(leaf, certificate);

    /** Each replica's answer as `openssl ocsp -url` fetches, verifies and reads it. */
    const statuses = async (): Promise<string[]> => await Promise.all([a, b].map(async (replica) => {
      const { stdout, stderr } = await tool('openssl', ['ocsp', '-issuer', pem.issuing, '-cert', leaf, '-url', `${replica.url}/pki/v1/ocsp/default`, '-CAfile', pem.root, '-verify_other', pem.untrusted]);
      expect(stderr, `${replica.name}'s response`).to.equal('Response verify OK\n');
      return (/^\S+: (good|revoked|unknown)$/m.exec(stdout)?.[1]) ?? stdout;
    }));

    expect(await statuses()).to.deep.equal(['good', 'good']);
    const revoked = await call('POST', `${b.url}/service/api/v1/certificates/${serial}/revoke`, { reason: 'keyCompromise' });
    expect(revoked.status, revoked.text).to.equal(200);
    expect(await statuses()).to.deep.equal(['revoked', 'revoked']);
  });

  it('publishes each CRL number on one replica only (the lease holder); when it is killed the other takes over with the next number', async function () {
    this.timeout(60_000);
    const holderPid = async (): Promise<number | undefined> => {
      const [row] = await sql<{ holder: string; expires_at: Date }>('select holder, expires_at from pki_leases where name = ?', ['crl']);
      const pid = Number(row?.holder.split('/')[1]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    };
    const pid = await until('a holder of the crl lease', holderPid);
    const [holder, other] = pid === a.process.child.pid ? [a, b] : [b, a];
    expect(holder.process.child.pid).to.equal(pid);

    // Two full intervals: the holder keeps the lease and publishes; the other publishes nothing of its own.
    const since = Date.now();
    await sleep(2 * FULL_SECONDS * 1000 + 500);
    expect(await holderPid()).to.equal(pid);
    const window = publishedBy(holder).filter((entry) => entry.at >= since);
    expect(window.filter((entry) => entry.ca === 'default' && entry.kind === 'full').length, 'full CRLs of default').to.be.at.least(2);
    expect(window.filter((entry) => entry.ca === 'default' && entry.kind === 'delta').length, 'deltas of default').to.be.at.least(3);
    expect(publishedBy(other).filter((entry) => entry.at >= since)).to.deep.equal([]);

    // Every number of a CA was published by one replica, and each replica's numbers only increase.
    for (const ca of ['root', 'intermediate', 'default']) {
      const byHolder = numbersOf(publishedBy(holder), ca);
      const byOther = numbersOf(publishedBy(other), ca);
      expect(byHolder.filter((number) => byOther.includes(number)), `${ca} numbers both published`).to.deep.equal([]);
      for (const list of [byHolder, byOther]) {
        expect(list.map(BigInt).every((number, index, all) => index === 0 || number > (all[index - 1] ?? 0n)), `${ca}: ${list.join(',')}`).to.equal(true);
      }
    }
    const stored = await sql<{ ca_name: string; number: string }>('select ca_name, number from pki_crls');
    const keys = stored.map((row) => `${row.ca_name}/${row.number}`);
    expect(new Set(keys).size).to.equal(keys.length);

    // Both replicas serve the same stored CRL, and it verifies against the chain.
    const crlOf = async (replica: Replica): Promise<Buffer> => {
      const file = join(dir, `default-${replica.name}.crl`);
      await tool('curl', ['--silent', '--fail', '--cacert', join(dir, 'tls-ca.pem'), `${replica.url}/pki/v1/crl/default.crl`, '-o', file]);
      return await readFile(file);
    };
    const same = await until('the same CRL from both replicas', async () => {
      const [fromA, fromB] = await Promise.all([crlOf(a), crlOf(b)]);
      return fromA.equals(fromB) ? fromA : undefined;
    }, 10_000);
    const crlFile = join(dir, 'default.crl');
    await writeFile(crlFile, same);
    const checked = await tool('openssl', ['crl', '-inform', 'DER', '-in', crlFile, '-CAfile', pem.chain, '-noout', '-crlnumber']);
    expect(checked.stderr).to.include('verify OK');
    expect(checked.stdout).to.match(/^crlNumber=0x[0-9A-F]+/);

    // SIGKILL: no release. The other replica waits for the lease to expire, then publishes the next numbers.
    holder.process.child.kill('SIGKILL');
    await holder.process.finished;
    const [lease] = await sql<{ holder: string; expires_at: Date | string }>('select holder, expires_at from pki_leases where name = ?', ['crl']);
    expect(lease?.holder).to.include(`/${String(pid)}/`);
    const expiresAt = new Date(lease?.expires_at ?? 0).getTime();
    const last = new Map((await sql<{ ca_name: string; number: string }>('select ca_name, max(number) as number from pki_crls group by ca_name')).map((row) => [row.ca_name, BigInt(row.number)]));
    const first = await until('the surviving replica to publish', () => Promise.resolve(publishedBy(other).find((entry) => entry.ca === 'default')), LEASE_MS + 4 * DELTA_SECONDS * 1000);
    // Not before the lease expired; then on its next tick (a second of slack for a busy machine).
    expect(first.at, 'published after the lease expired').to.be.at.least(expiresAt);
    expect(first.at - expiresAt, 'takeover after expiry (ms)').to.be.at.most(DELTA_SECONDS * 1000 + 1000);
    expect(first.number).to.equal((last.get('default') ?? 0n) + 1n);
    expect(await holderPid()).to.equal(other.process.child.pid);
    const served = await until('the new number served', async () => {
      const crl = await crlOf(other);
      await writeFile(crlFile, crl);
      const { stdout } = await tool('openssl', ['crl', '-inform', 'DER', '-in', crlFile, '-noout', '-crlnumber']);
      const number = BigInt(stdout.trim().replace(/^crlNumber=/, ''));
      return number > (last.get('default') ?? 0n) ? number : undefined;
    }, 5_000);
    expect(served >= first.number).to.equal(true);
  });
});
