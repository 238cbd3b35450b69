/**
 * learn-ps end to end: `cryptoutil learn-ps start` as real processes over TLS with real tokens from
 * the test issuer, driven through the generated SDK; two processes on one PostgreSQL database share
 * 50 concurrent orders for 10 pets and sell exactly 10.
 */
import { expect } from 'chai';
import { createTestIssuer, type TestIssuer } from '../../services/template/testing/issuer.ts';
import { createPostgresDatabase } from '../../services/template/testing/databases.ts';
import { createLearnPsClient, type LearnPsClient } from '../../services/learn-ps/client/index.ts';
import { run, serviceFiles, sourceCli, start, type Running } from './processes.ts';

interface Instance {
  readonly configFile: string;
  readonly process: Running;
  client(token: string): LearnPsClient;
}

const ALL_SCOPES = ['pets:read', 'pets:write', 'orders:read', 'orders:write'];

async function launch(issuer: TestIssuer, databaseUrl?: string): Promise<Instance> {
  const files = await serviceFiles('learn-ps', { issuerCa: issuer.ca, issuerUrl: issuer.url, ...(databaseUrl === undefined ? {} : { databaseUrl }) });
  const { configFile, publicPort } = files;
  const process = start(sourceCli, ['learn-ps', 'start', '--config', configFile]);
  await process.waitFor('listening on');
  const ca = files.ca();
  return {
    configFile,
    process,
    client: (token) => createLearnPsClient({ baseUrl: `https://127.0.0.1:${publicPort}`, token, ca }),
  };
}

async function stop(instances: readonly Instance[]): Promise<void> {
  for (const instance of instances) instance.process.child.kill('SIGTERM');
  for (const instance of instances) expect((await instance.process.finished).code).to.equal(0);
}

describe('learn-ps as a process (e2e)', function () {
  let issuer: TestIssuer;
  let token: string;
  before(async () => {
    issuer = await createTestIssuer();
    token = await issuer.serviceToken({ clientId: 'e2e', audience: 'urn:cryptoutil:learn-ps', scopes: ALL_SCOPES });
  });
  after(async () => { await issuer.close(); });

  it('serves the Pet Store over TLS with real tokens: pets, customers, orders, cancel; probes answer', async () => {
    const instance = await launch(issuer);
    try {
      const sdk = instance.client(token);
      const pet = await sdk.POST('/pets', { body: { name: 'Rex', species: 'dog', priceCents: 4_999, stock: 2 } });
      expect(pet.response.status).to.equal(201);
      const customer = await sdk.POST('/customers', { body: { name: 'Ada', email: 'ada@example.com' } });
      expect(customer.response.status).to.equal(201);
      const petId = pet.data?.id ?? '';
      const customerId = customer.data?.id ?? '';
      const order = await sdk.POST('/orders', { body: { customerId, items: [{ petId, quantity: 2 }] } });
      expect(order.data).to.include({ status: 'placed', totalCents: 9_998 });
      const soldOut = await sdk.POST('/orders', { body: { customerId, items: [{ petId, quantity: 1 }] } });
      expect(soldOut.error).to.include({ status: 409 });
      const cancelled = await sdk.POST('/orders/{id}/cancel', { params: { path: { id: order.data?.id ?? '' } } });
      expect(cancelled.data).to.include({ status: 'cancelled' });
      expect((await sdk.GET('/pets/{id}', { params: { path: { id: petId } } })).data).to.include({ stock: 2 });
      const unauthorized = await instance.client('not-a-token').GET('/pets');
      expect(unauthorized.response.status).to.equal(401);
      const ready = await run(sourceCli, ['learn-ps', 'readyz', '--config', instance.configFile]);
      expect(ready.code, ready.stdout + ready.stderr).to.equal(0);
      await stop([instance]);
    } finally {
      instance.process.child.kill('SIGKILL');
    }
  });

  it('two processes on one PostgreSQL database share 50 orders for stock 10: exactly 10 placed, stock 0', async () => {
    const database = await createPostgresDatabase();
    const instances: Instance[] = [];
    try {
      instances.push(await launch(issuer, database.url));
      instances.push(await launch(issuer, database.url));
      const [first, second] = instances.map((instance) => instance.client(token));
      if (first === undefined || second === undefined) throw new Error('two instances were started');
      const pet = await first.POST('/pets', { body: { name: 'Scarce', species: 'axolotl', priceCents: 100, stock: 10 } });
      const customer = await second.POST('/customers', { body: { name: 'Many', email: 'many@example.com' } });
      const petId = pet.data?.id ?? '';
      const customerId = customer.data?.id ?? '';
      const answers = await Promise.all(Array.from({ length: 50 }, (_, index) =>
        (index % 2 === 0 ? first : second).POST('/orders', { body: { customerId, items: [{ petId, quantity: 1 }] } })));
      const statuses = answers.map((answer) => answer.response.status);
      expect(statuses.filter((status) => status === 201)).to.have.length(10);
      expect(statuses.filter((status) => status === 409)).to.have.length(40);
      expect((await second.GET('/pets/{id}', { params: { path: { id: petId } } })).data).to.include({ stock: 0 });
      const orders = await first.GET('/orders', { params: { query: { customerId, size: 100 } } });
      expect(orders.data?.total).to.equal(10);
      await stop(instances);
    } finally {
      for (const instance of instances) instance.process.child.kill('SIGKILL');
      await database.drop();
    }
  });
});
