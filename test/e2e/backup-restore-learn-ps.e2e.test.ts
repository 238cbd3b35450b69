/**
 * Backup and restore of learn-ps end to end, on SQLite and PostgreSQL: pets, a customer and an
 * order made through the API, `cryptoutil learn-ps backup` while it runs, `restore` into the empty
 * database of a new configuration, and a new learn-ps on it answers every one of them, and both
 * listings, with the same JSON body; then it sells from the restored stock.
 */
import { expect } from 'chai';
import { createTestIssuer, type TestIssuer } from '../../services/template/testing/issuer.ts';
import { httpsCall } from '../../services/template/testing/service-harness.ts';
import { serviceFiles, type ServiceFiles } from './processes.ts';
import { backUp, ENGINES, restore, Stage, type Launched } from './backup-restore.ts';

const SCOPES = ['pets:read', 'pets:write', 'orders:read', 'orders:write'];

const PETS = [
  { name: 'Rex', species: 'dog', priceCents: 4_999, stock: 3 },
  { name: 'Tom', species: 'cat', priceCents: 2_500, stock: 1 },
  { name: 'Nemo', species: 'fish', priceCents: 300, stock: 12 },
  { name: 'Axel', species: 'axolotl', priceCents: 7_000, stock: 2 },
  { name: 'Polly', species: 'parrot', priceCents: 12_000, stock: 1 },
];

describe('backup and restore of learn-ps (e2e)', function () {
  this.timeout(120_000);
  let issuer: TestIssuer;
  let token: string;
  before(async () => {
    issuer = await createTestIssuer();
    token = await issuer.serviceToken({ clientId: 'e2e', audience: 'urn:cryptoutil:learn-ps', scopes: SCOPES });
  });
  after(async () => { await issuer.close(); });

  /** The JSON body of a successful call. */
  async function call(instance: Launched, method: string, path: string, body?: unknown): Promise<unknown> {
    const answer = await httpsCall(instance.ca, method, `${instance.url}/service/api/v1${path}`, { token, ...(body === undefined ? {} : { body }) });
    expect(answer.status, `${method} ${path}: ${answer.text}`).to.be.oneOf([200, 201]);
    return answer.json;
  }

  /** Every resource the test made and both listings, by path. */
  async function readAll(instance: Launched, paths: readonly string[]): Promise<Record<string, unknown>> {
    const bodies = await Promise.all(paths.map((path) => call(instance, 'GET', path)));
    return Object.fromEntries(paths.map((path, index) => [path, bodies[index]]));
  }

  for (const engine of ENGINES) {
    it(`on ${engine}: every pet, the customer and the order read back identical from the restored database`, async () => {
      const stage = new Stage(engine);
      const files = async (): Promise<ServiceFiles> => serviceFiles('learn-ps', { issuerCa: issuer.ca, issuerUrl: issuer.url, ...await stage.database() });
      try {
        const first = await stage.launch('learn-ps', await files());
        const pets: { id: string }[] = [];
        for (const pet of PETS) pets.push(await call(first, 'POST', '/pets', pet) as { id: string });
        const customer = await call(first, 'POST', '/customers', { name: 'Ada', email: 'ada@example.com' }) as { id: string };
        const [rex, tom] = pets;
        const order = await call(first, 'POST', '/orders', { customerId: customer.id, items: [{ petId: rex?.id, quantity: 2 }, { petId: tom?.id, quantity: 1 }] }) as { id: string };
        const paths = [...pets.map((pet) => `/pets/${pet.id}`), `/customers/${customer.id}`, `/orders/${order.id}`, '/pets?size=100', '/orders?size=100'];
        const before = await readAll(first, paths);
        expect(before['/pets?size=100']).to.include({ total: PETS.length });
        expect(before[`/pets/${String(tom?.id)}`]).to.include({ stock: 0 });

        const file = await backUp(first);
        await first.stop();

        const target = await files();
        await restore('learn-ps', file, target);
        const second = await stage.launch('learn-ps', target);
        expect(await readAll(second, paths)).to.deep.equal(before);
        const sold = await call(second, 'POST', '/orders', { customerId: customer.id, items: [{ petId: rex?.id, quantity: 1 }] });
        expect(sold).to.include({ status: 'placed', totalCents: 4_999 });
        expect(await call(second, 'GET', `/pets/${String(rex?.id)}`)).to.include({ stock: 0 });
        await second.stop();
      } finally {
        await stage.dispose();
      }
    });
  }
});
