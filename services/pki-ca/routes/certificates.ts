/** Enrollment and issued certificates: one handler per operationId; the rules live in `../issue.ts` and `../certificates.ts`. */
import type { OperationHandlers } from '../../template/service.ts';
import { getCertificate, listCertificates, revokeCertificate, type CertificateFilter } from '../certificates.ts';
import type { PkiContext } from '../context.ts';
import { enroll, type EnrollmentInput } from '../issue.ts';

/** Handlers for `/enrollments`, `/certificates`, `/certificates/{serial}` and `.../revoke`. */
export function certificateHandlers(pki: PkiContext): OperationHandlers {
  return {
    async createEnrollment(ctx) {
      ctx.body = await enroll(ctx.state.em, pki, ctx.state.body as EnrollmentInput);
      ctx.status = 201;
    },
    async listCertificates(ctx) {
      const page = ctx.state.query.page as number;
      const size = ctx.state.query.size as number;
      const filter = Object.fromEntries((['ca', 'status'] as const).filter((name) => ctx.state.query[name] !== undefined).map((name) => [name, ctx.state.query[name]])) as CertificateFilter;
      const { items, total } = await listCertificates(ctx.state.em, filter, page, size);
      ctx.body = { items, page, size, total };
    },
    async getCertificate(ctx) {
      ctx.body = await getCertificate(ctx.state.em, ctx.state.params.serial as string);
    },
    async revokeCertificate(ctx) {
      const { reason } = ctx.state.body as { readonly reason: string };
      ctx.body = await revokeCertificate(ctx.state.em, ctx.state.params.serial as string, reason, pki.now());
    },
  };
}
