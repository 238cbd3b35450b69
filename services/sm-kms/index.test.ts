import { expect } from 'chai';
import pino from 'pino';
import type { Orm } from '../template/database/database.ts';
import { Registry } from 'prom-client';
import { loadOpenApiDocument, listOperations } from '../template/openapi/document.ts';
import type { TemplateConfig } from '../template/config/schema.ts';
import type { OperationContext, ServiceRuntime } from '../template/service.ts';
import { startTestService } from '../template/testing/service-harness.ts';
import { services } from '../registry.ts';
import { ALGORITHM_NAMES, DATA_KEY_SPECS } from '../template/jose/index.ts';
import { DEFAULT_ENCRYPTION_LIMIT, type KmsConfig } from './config.ts';
import { createKms, kmsHandlers, smKms } from './index.ts';
import { NO_DATABASE, unsealedKms } from './testing/kms-context.ts';
import { InternalError } from '../template/errors/index.ts';

function runtime(barrier?: ServiceRuntime['barrier'], encryptionLimit = DEFAULT_ENCRYPTION_LIMIT): ServiceRuntime<KmsConfig> {
  return {
    name: 'sm-kms',
    config: { kms: { encryptionLimit } } as TemplateConfig & KmsConfig,
    orm: { em: { fork: () => ({}) } } as unknown as Orm,
    reads: NO_DATABASE,
    log: pino({ level: 'silent' }),
    metrics: new Registry(),
    ca: '',
    publicUrl: () => 'https://127.0.0.1:8080',
    onStop: () => undefined,
    authenticate: () => Promise.reject(new Error('no token is checked here')),
    ...(barrier === undefined ? {} : { barrier }),
  };
}

describe('the sm-kms service definition', () => {
  it('is the DESIGN row: port 8080, admin 9090 in up, barrier on, first in the registry', () => {
    expect(smKms).to.include({ name: 'sm-kms', publicPort: 8080, upAdminPort: 9090, barrier: true });
    expect(services[0]).to.equal(smKms);
  });

  it('declares every algorithm of the table and every data-key shape in its OpenAPI enums', async () => {
    const document = await loadOpenApiDocument(smKms.openapi);
    const schemas = (document.components as { schemas: Record<string, { enum: string[] }> }).schemas;
    expect(schemas.Algorithm?.enum).to.deep.equal([...ALGORITHM_NAMES]);
    expect(schemas.DataKeySpec?.enum).to.deep.equal([...DATA_KEY_SPECS]);
  });

  it('scopes every operation as the issue lists them', async () => {
    const operations = listOperations(await loadOpenApiDocument(smKms.openapi));
    const scopes = Object.fromEntries(operations.map((operation) => [operation.operationId, operation.scopes.join(' ')]));
    expect(scopes).to.deep.equal({
      createElasticKey: 'kms:admin', listElasticKeys: 'kms:read', getElasticKey: 'kms:read', updateElasticKey: 'kms:admin',
      deleteElasticKey: 'kms:admin', cancelElasticKeyDeletion: 'kms:admin', listAuditEvents: 'kms:read',
      rotateMaterialKey: 'kms:admin', listMaterialKeys: 'kms:read', getMaterialKey: 'kms:read', revokeMaterialKey: 'kms:admin',
      importMaterialKey: 'kms:admin', encrypt: 'kms:encrypt', decrypt: 'kms:decrypt', sign: 'kms:sign', verify: 'kms:verify',
      generateDataKey: 'kms:generate',
    });
  });

  it('takes kms.encryptionLimit (default 2^30) and refuses 0 or 2^32 and above (SP 800-38D §8.3)', async () => {
    const { barrier } = await unsealedKms();
    expect(DEFAULT_ENCRYPTION_LIMIT).to.equal(2 ** 30);
    expect(createKms(runtime(barrier)).kms.encryptionLimit).to.equal(2 ** 30);
    expect(createKms(runtime(barrier, 1)).kms.encryptionLimit).to.equal(1);
    expect(createKms(runtime(barrier, 2 ** 32 - 1)).kms.encryptionLimit).to.equal(2 ** 32 - 1);
    for (const limit of [0, 2 ** 32]) expect(() => createKms(runtime(barrier, limit)), String(limit)).to.throw('kms.encryptionLimit must be from 1 to 4294967295');
  });

  it('refuses to run without a barrier', () => {
    expect(() => createKms(runtime())).to.throw('barrier: true');
  });

  it('wipes its caches on seal and starts the deletion sweep with the first request', async () => {
    const { barrier } = await unsealedKms();
    const { kms, sweep } = createKms(runtime(barrier), 60_000);
    await kms.cache.key('k', () => Promise.resolve(null));
    expect(kms.cache.sizes().keys).to.equal(1);
    expect(kms.now().getTime()).to.be.closeTo(Date.now(), 1000);
    const handlers = kmsHandlers(kms, sweep);
    expect(sweep.active).to.equal(false);
    const failure = await Promise.resolve(handlers.getElasticKey?.({ state: { em: { findOne: () => Promise.resolve(null) }, params: { id: 'x' } } } as unknown as OperationContext))
      .then(() => undefined, (error: unknown) => error);
    expect(failure).to.have.property('status', 404);
    expect(sweep.active).to.equal(true);
    // The sweep forks the service's entity manager; this fake one cannot query, so the run logs and reports 0.
    expect(await sweep.runOnce()).to.equal(0);
    barrier.seal();
    expect(sweep.active).to.equal(false);
    expect(kms.cache.sizes().keys).to.equal(0);
  });

  it('answers 503 on every operation while sealed (the template gate)', async () => {
    const harness = await startTestService({}, undefined, smKms);
    try {
      const token = await harness.serviceToken(['kms:read']);
      const answer = await harness.call('GET', `${harness.service.publicUrl}/service/api/v1/elastickeys`, { token });
      expect(answer.status).to.equal(503);
    } finally {
      await harness.close();
    }
  });
});

describe('actorOf', () => {
  it('is the token\'s subject and client; an operation without a principal is a 500', async () => {
    const { actorOf } = await import('./routes/page.ts');
    const principal = { subject: 'alice', clientId: 'console', kind: 'browser', scopes: new Set<string>(), expiresAt: 0 };
    expect(actorOf({ state: { principal } } as unknown as OperationContext)).to.deep.equal({ subject: 'alice', clientId: 'console' });
    expect(() => actorOf({ state: {} } as unknown as OperationContext)).to.throw(InternalError).with.property('status', 500);
  });
});
