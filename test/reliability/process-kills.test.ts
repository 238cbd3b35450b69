/**
 * Process kills (issue 20, point 3): SIGKILL in the middle of a stream of writes, on SQLite and on
 * PostgreSQL. learn-ps creates pets and places orders; sm-kms creates keys and rotates one of them
 * while another client encrypts with it; identity-authz creates clients. After a restart (and, for
 * sm-kms, an unseal with another subset of the same shares) every acknowledged write is there; each
 * pet's stock plus what the stored orders hold of it is what it was created with; the rotated key is
 * whole (every version it lists can be read, its latest encrypts and decrypts); and every client's
 * secret still gets a token, since a client row that cannot authenticate is half written. The
 * figures are printed at the end.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { newUnsealShares } from '../../services/template/barrier/index.ts';
import { createTestIssuer, type TestIssuer } from '../../services/template/testing/issuer.ts';
import { createPostgresDatabase, type Scratch } from '../../services/template/testing/databases.ts';
import { httpsCall, type HttpAnswer } from '../../services/template/testing/service-harness.ts';
import { readAdminToken } from '../../services/template/admin/admin-token.ts';
import { run, serviceFiles, sourceCli, start, type Running, type ServiceFiles } from '../e2e/processes.ts';

/** How long writes stream before the kill, and how many clients write at once. */
const STREAM_MS = 1_500;
const WRITERS = 4;
/** Stock of the pet every learn-ps order takes one of: more than a stream can sell. */
const STOCK = 1_000_000;
/** The resource the identity-authz clients made in the stream ask a token for. */
const CLIENT_RESOURCE = 'urn:cryptoutil:learn-ps';

interface Figures {
  readonly service: string;
  readonly engine: string;
  readonly acknowledged: number;
  readonly lost: number;
  readonly restartToReadyMs: number;
  /** What the acknowledged writes were. */
  readonly detail: string;
}

interface Client {
  readonly id: string;
  readonly secret: string;
}

type Call = (method: string, path: string) => Promise<HttpAnswer>;

/** Every item of a paged learn-ps list, page by page. */
async function everyItem<T>(call: Call, path: string): Promise<T[]> {
  const items: T[] = [];
  for (let page = 0; ; page += 1) {
    const answer = await call('GET', `${path}?page=${String(page)}&size=100`);
    expect(answer.status, answer.text).to.equal(200);
    const body = answer.json as { items: T[]; total: number };
    items.push(...body.items);
    if (body.items.length === 0 || items.length >= body.total) return items;
  }
}

const figures: Figures[] = [];

interface Target {
  readonly files: ServiceFiles;
  readonly api: string;
  readonly admin: string;
}

describe('process kills: SIGKILL during a stream of writes loses no acknowledged write', function () {
  this.timeout(120_000);
  let issuer: TestIssuer;

  before(async () => {
    issuer = await createTestIssuer();
  });

  after(async () => {
    await issuer.close();
    console.log('\n  process kills: writes acknowledged before SIGKILL, lost after restart, restart to ready');
    for (const row of figures) {
      console.log(`    ${row.service.padEnd(14)} ${row.engine.padEnd(10)} acknowledged ${String(row.acknowledged).padStart(5)}  lost ${String(row.lost)}  ready after ${String(row.restartToReadyMs)} ms  (${row.detail})`);
    }
  });

  /** `ownIssuer`: the service takes its own tokens (identity-authz) instead of the test issuer's. */
  async function target(service: string, databaseUrl: string | undefined, extra: readonly string[] = [], ownIssuer = false): Promise<Target> {
    const files = await serviceFiles(service, { issuerCa: issuer.ca, ...(ownIssuer ? { ownIssuer } : { issuerUrl: issuer.url }), ...(databaseUrl === undefined ? {} : { databaseUrl }), extra: () => [...extra] });
    return { files, api: `https://127.0.0.1:${String(files.publicPort)}`, admin: `https://127.0.0.1:${String(files.adminPort)}/admin/v1` };
  }

  async function launch(service: string, where: Target): Promise<{ process: Running; readyMs: number }> {
    const started = Date.now();
    const process = start(sourceCli, [service, 'start', '--config', where.files.configFile]);
    await process.waitFor('listening on');
    return { process, readyMs: Date.now() - started };
  }

  /** Runs `write` from WRITERS clients until the kill; resolves with what was acknowledged. */
  async function streamThenKill<T>(process: Running, write: (writer: number, round: number) => Promise<T | undefined>): Promise<T[]> {
    const acknowledged: T[] = [];
    let killed = false;
    const writers = Array.from({ length: WRITERS }, async (_unused, writer) => {
      for (let round = 0; !killed; round += 1) {
        try {
          const result = await write(writer, round);
          // An answer read after the kill was still given before it: it counts.
          if (result !== undefined) acknowledged.push(result);
        } catch {
          // A request cut by the kill was never acknowledged.
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, STREAM_MS));
    process.child.kill('SIGKILL');
    await process.finished;
    killed = true;
    await Promise.all(writers);
    return acknowledged;
  }

  for (const engine of ['SQLite', 'PostgreSQL'] as const) {
    it(`learn-ps on ${engine}: acknowledged pets and orders are there after the restart, and every pet's stock matches the orders stored`, async () => {
      const database: Scratch | undefined = engine === 'PostgreSQL' ? await createPostgresDatabase() : undefined;
      const token = await issuer.serviceToken({ clientId: 'kills', audience: 'urn:cryptoutil:learn-ps', scopes: ['pets:read', 'pets:write', 'orders:read', 'orders:write'] });
      const where = await target('learn-ps', database?.url);
      let running = await launch('learn-ps', where);
      try {
        const ca = where.files.ca();
        const call = (method: string, path: string, body?: unknown): Promise<HttpAnswer> => httpsCall(ca, method, `${where.api}/service/api/v1${path}`, { token, ...(body === undefined ? {} : { body }) });
        const created = async (path: string, body: unknown): Promise<string> => {
          const answer = await call('POST', path, body);
          expect(answer.status, answer.text).to.equal(201);
          return (answer.json as { id: string }).id;
        };
        const customerId = await created('/customers', { name: 'Kill Test', email: 'kills@example.test' });
        const stockPet = await created('/pets', { name: 'stock', species: 'fish', priceCents: 50, stock: STOCK });
        // Pets acknowledged and not yet ordered: an order takes one (stock 1) beside the stock pet.
        const unordered: string[] = [];
        const writes = await streamThenKill(running.process, async (writer, round) => {
          if (writer < 2) {
            const answer = await call('POST', '/pets', { name: `pet-${String(writer)}-${String(round)}`, species: 'cat', priceCents: 100, stock: 1 });
            if (answer.status !== 201) return undefined;
            const { id } = answer.json as { id: string };
            unordered.push(id);
            return { kind: 'pet', id };
          }
          const single = unordered.shift();
          const items = [{ petId: stockPet, quantity: 1 }, ...(single === undefined ? [] : [{ petId: single, quantity: 1 }])];
          const answer = await call('POST', '/orders', { customerId, items });
          return answer.status === 201 ? { kind: 'order', id: (answer.json as { id: string }).id } : undefined;
        });
        const pets = writes.filter((write) => write.kind === 'pet');
        const orders = writes.filter((write) => write.kind === 'order');
        expect(pets.length, 'pets acknowledged before the kill').to.be.greaterThan(5);
        expect(orders.length, 'orders acknowledged before the kill').to.be.greaterThan(5);
        running = await launch('learn-ps', where);
        const missing: string[] = [];
        for (const { kind, id } of writes) if ((await call('GET', `/${kind}s/${id}`)).status !== 200) missing.push(`${kind} ${id}`);
        // An order and the stock it takes commit together: whatever the kill cut, each pet's stock
        // plus what the stored orders hold of it is what the pet was created with.
        const storedPets = await everyItem<{ id: string; stock: number }>(call, '/pets');
        const storedOrders = await everyItem<{ id: string; status: string; items: { petId: string; quantity: number }[] }>(call, '/orders');
        const ordered = new Map<string, number>();
        for (const order of storedOrders) for (const item of order.items) ordered.set(item.petId, (ordered.get(item.petId) ?? 0) + item.quantity);
        const stockOf = new Map(storedPets.map((pet) => [pet.id, pet.stock]));
        const orphans = [...ordered.keys()].filter((petId) => !stockOf.has(petId));
        const unbalanced = storedPets.filter((pet) => pet.stock + (ordered.get(pet.id) ?? 0) !== (pet.id === stockPet ? STOCK : 1)).map((pet) => pet.id);
        figures.push({ service: 'learn-ps', engine, acknowledged: writes.length, lost: missing.length, restartToReadyMs: running.readyMs, detail: `pets ${String(pets.length)}, orders ${String(orders.length)} (${String(storedOrders.length)} stored)` });
        expect(missing, 'acknowledged pets or orders lost').to.deep.equal([]);
        expect(orphans, 'orders naming a pet that is not there').to.deep.equal([]);
        expect(unbalanced, 'pets whose stock does not match the stored orders').to.deep.equal([]);
        expect(storedOrders.every((order) => order.status === 'placed')).to.equal(true);
        running.process.child.kill('SIGTERM');
        await running.process.finished;
      } finally {
        running.process.child.kill('SIGKILL');
        await database?.drop();
      }
    });

    it(`identity-authz on ${engine}: every acknowledged client is there after the restart and its secret still gets a token`, async () => {
      const database: Scratch | undefined = engine === 'PostgreSQL' ? await createPostgresDatabase() : undefined;
      const admin = { id: 'kills-admin', secret: randomBytes(32).toString('base64url') };
      const where = await target('identity-authz', database?.url, [
        `barrier: { shares: ${JSON.stringify(await newUnsealShares(3, 2))}, threshold: 2 }`,
        `hash: { pepper: "${randomBytes(32).toString('base64url')}" }`,
        `authz: { bootstrapClient: { id: "${admin.id}", secret: "${admin.secret}" } }`,
      ], true);
      let running = await launch('identity-authz', where);
      try {
        const ca = where.files.ca();
        const tokenFor = (client: Client): Promise<HttpAnswer> => httpsCall(ca, 'POST', `${where.api}/token`, {
          body: new URLSearchParams({ grant_type: 'client_credentials', resource: CLIENT_RESOURCE }).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}` },
        });
        const adminToken = async (): Promise<string> => {
          const answer = await httpsCall(ca, 'POST', `${where.api}/token`, {
            body: new URLSearchParams({ grant_type: 'client_credentials', resource: 'urn:cryptoutil:identity-authz' }).toString(),
            headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${admin.id}:${encodeURIComponent(admin.secret)}`).toString('base64')}` },
          });
          expect(answer.status, answer.text).to.equal(200);
          return (answer.json as { access_token: string }).access_token;
        };
        const token = await adminToken();
        const clients = await streamThenKill(running.process, async (writer, round) => {
          const answer = await httpsCall(ca, 'POST', `${where.api}/service/api/v1/clients`, {
            token,
            body: { name: `client-${String(writer)}-${String(round)}`, grantTypes: ['client_credentials'], resourceScopes: { [CLIENT_RESOURCE]: ['pets:read'] } },
          });
          if (answer.status !== 201) return undefined;
          const { clientId, clientSecret } = answer.json as { clientId: string; clientSecret: string };
          return { id: clientId, secret: clientSecret };
        });
        expect(clients.length, 'clients acknowledged before the kill').to.be.greaterThan(10);
        running = await launch('identity-authz', where);
        const afterRestart = await adminToken();
        const missing: string[] = [];
        const halfWritten: string[] = [];
        for (const client of clients) {
          const stored = await httpsCall(ca, 'GET', `${where.api}/service/api/v1/clients/${client.id}`, { token: afterRestart });
          if (stored.status !== 200) missing.push(client.id);
          else if ((await tokenFor(client)).status !== 200) halfWritten.push(client.id);
        }
        figures.push({ service: 'identity-authz', engine, acknowledged: clients.length, lost: missing.length + halfWritten.length, restartToReadyMs: running.readyMs, detail: 'clients, each secret tried for a token' });
        expect(missing, 'acknowledged clients lost').to.deep.equal([]);
        expect(halfWritten, 'clients stored whose secret no longer gets a token').to.deep.equal([]);
        running.process.child.kill('SIGTERM');
        await running.process.finished;
      } finally {
        running.process.child.kill('SIGKILL');
        await database?.drop();
      }
    });

    it(`sm-kms on ${engine}: acknowledged keys and rotations survive, the rotated key is whole, the barrier unseals with the same shares`, async () => {
      const database: Scratch | undefined = engine === 'PostgreSQL' ? await createPostgresDatabase() : undefined;
      const token = await issuer.serviceToken({ clientId: 'kills', audience: 'urn:cryptoutil:sm-kms', scopes: ['kms:admin', 'kms:read', 'kms:encrypt', 'kms:decrypt'] });
      const init = await run(sourceCli, ['sm-kms', 'init', '--shares', '5', '--threshold', '3', '--json']);
      const { shares, keyCheck } = JSON.parse(init.stdout) as { shares: string[]; keyCheck: string };
      const where = await target('sm-kms', database?.url, [`barrier: { threshold: 3, keyCheck: "${keyCheck}" }`]);
      let running = await launch('sm-kms', where);
      try {
        const ca = where.files.ca();
        const call = (method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<HttpAnswer> =>
          httpsCall(ca, method, `${where.api}/service/api/v1${path}`, { token, ...options });
        const unseal = async (subset: readonly string[]): Promise<void> => {
          for (const share of subset) {
            const answer = await httpsCall(ca, 'POST', `${where.admin}/unseal`, { body: { share }, token: await readAdminToken({ dataDir: where.files.dir }) });
            expect(answer.status, answer.text).to.equal(200);
          }
        };
        await unseal(shares.slice(0, 3));
        const rotated = await call('POST', '/elastickeys', { body: { name: 'rotated', algorithm: 'A256GCM/A256KW' } });
        expect(rotated.status, rotated.text).to.equal(201);
        const rotatedPath = `/elastickeys/${(rotated.json as { id: string }).id}`;
        const sealedBefore: { context: string; jwe: string }[] = [];
        const writes = await streamThenKill(running.process, async (writer, round) => {
          if (writer === 0) {
            const answer = await call('POST', `${rotatedPath}/materialkeys`);
            return answer.status === 201 ? { kind: 'rotation', id: (answer.json as { id: string }).id } : undefined;
          }
          if (writer === 1) {
            const context = `round-${String(round)}`;
            const answer = await call('POST', `${rotatedPath}/encrypt?context=${context}`, { body: `secret ${context}`, headers: { 'content-type': 'application/octet-stream' } });
            if (answer.status === 200) sealedBefore.push({ context, jwe: answer.text });
            return undefined;
          }
          const answer = await call('POST', '/elastickeys', { body: { name: `key-${String(writer)}-${String(round)}`, algorithm: 'A256GCM/A256KW' } });
          return answer.status === 201 ? { kind: 'key', id: (answer.json as { id: string }).id } : undefined;
        });
        expect(writes.filter((write) => write.kind === 'rotation').length, 'rotations acknowledged before the kill').to.be.greaterThan(0);
        expect(sealedBefore.length, 'encryptions before the kill').to.be.greaterThan(0);
        running = await launch('sm-kms', where);
        await unseal([shares[4] ?? '', shares[3] ?? '', shares[1] ?? '']);
        const missing: string[] = [];
        for (const write of writes.filter((entry) => entry.kind === 'key')) if ((await call('GET', `/elastickeys/${write.id}`)).status !== 200) missing.push(write.id);
        // Every page of versions, newest first.
        const listed = new Set<string>();
        for (let page = 0; ; page += 1) {
          const versions = await call('GET', `${rotatedPath}/materialkeys?page=${String(page)}&size=100`);
          expect(versions.status, versions.text).to.equal(200);
          const { items, total } = versions.json as { items: { id: string }[]; total: number };
          for (const item of items) listed.add(item.id);
          if (items.length === 0 || listed.size >= total) break;
        }
        for (const write of writes.filter((entry) => entry.kind === 'rotation')) if (!listed.has(write.id)) missing.push(write.id);
        // Whole: every version listed reads back, what was encrypted before decrypts, and the latest encrypts.
        for (const id of listed) expect((await call('GET', `${rotatedPath}/materialkeys/${id}`)).status, `version ${id}`).to.equal(200);
        for (const { context, jwe } of sealedBefore) {
          const opened = await call('POST', `${rotatedPath}/decrypt?context=${context}`, { body: jwe, headers: { 'content-type': 'application/jose' } });
          expect([opened.status, opened.text], context).to.deep.equal([200, `secret ${context}`]);
        }
        const fresh = await call('POST', `${rotatedPath}/encrypt?context=after`, { body: 'after', headers: { 'content-type': 'application/octet-stream' } });
        expect(fresh.status, fresh.text).to.equal(200);
        expect((await call('POST', `${rotatedPath}/decrypt?context=after`, { body: fresh.text, headers: { 'content-type': 'application/jose' } })).text).to.equal('after');
        figures.push({ service: 'sm-kms', engine, acknowledged: writes.length, lost: missing.length, restartToReadyMs: running.readyMs, detail: 'keys and rotations' });
        expect(missing, 'acknowledged keys or rotations lost').to.deep.equal([]);
        running.process.child.kill('SIGTERM');
        await running.process.finished;
      } finally {
        running.process.child.kill('SIGKILL');
        await database?.drop();
      }
    });
  }
});

