/** CAs and profiles: one handler per operationId of `openapi.yaml`; the rules live in `../hierarchy.ts`. */
import { ConflictError, NotFoundError } from '../../template/errors/index.ts';
import type { OperationHandlers } from '../../template/service.ts';
import type { PkiContext } from '../context.ts';
import type { CrlPublisher, StoredCrl } from '../crl/publisher.ts';
import { crlUrl } from '../crl/publisher.ts';
import { findCa } from '../signers.ts';
import { caChainPem, createIssuingCa, getCa, listCas, type IssuingCaInput } from '../hierarchy.ts';
import { rotateCa } from '../rotation.ts';

/** Handlers for `/cas`, `/cas/{name}`, `/cas/{name}/chain`, `/cas/{name}/crl`, `/cas/{name}/rotate`, `/profiles` and `/profiles/{name}`. */
export function caHandlers(pki: PkiContext, crls: CrlPublisher): OperationHandlers {
  const published = (crl: StoredCrl): object => ({
    number: crl.number.toString(),
    thisUpdate: crl.thisUpdate.toISOString(),
    nextUpdate: crl.nextUpdate.toISOString(),
    url: crlUrl(pki.publicUrl(), crl.ca, crl.kind),
  });
  return {
    async regenerateCrl(ctx) {
      const name = ctx.state.params.name as string;
      const ca = await findCa(ctx.state.em, name);
      // A retired CA signs nothing any more; an external one's key is not here (openSigner's 409).
      if (ca.status === 'retired') throw new ConflictError(`CA ${name} is retired: every certificate it issued has expired, and it publishes no more CRLs`);
      const { full, delta } = await crls.regenerate(name);
      ctx.body = { full: published(full), delta: published(delta) };
    },
    async listCas(ctx) {
      ctx.body = { items: await listCas(ctx.state.em) };
    },
    async createCa(ctx) {
      ctx.body = await createIssuingCa(ctx.state.em, pki, ctx.state.body as IssuingCaInput);
      ctx.status = 201;
    },
    async rotateCa(ctx) {
      ctx.body = await rotateCa(ctx.state.em, pki, ctx.state.params.name as string, ctx.state.body ?? {});
      ctx.status = 201;
    },
    async getCa(ctx) {
      ctx.body = await getCa(ctx.state.em, ctx.state.params.name as string);
    },
    async getCaChain(ctx) {
      const chain = await caChainPem(ctx.state.em, ctx.state.params.name as string);
      ctx.type = 'application/pem-certificate-chain';
      ctx.body = chain.join('');
    },
    async listProfiles(ctx) {
      const { catalog } = await pki.rules();
      ctx.body = { items: catalog.list() };
    },
    async getProfile(ctx) {
      const name = ctx.state.params.name as string;
      const { catalog } = await pki.rules();
      const profile = catalog.get(name);
      if (profile === undefined) throw new NotFoundError(`no profile named ${name}`);
      ctx.body = { ...profile.summary, document: profile.document };
    },
  };
}
