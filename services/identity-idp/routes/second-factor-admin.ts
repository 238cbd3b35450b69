/**
 * `DELETE /users/{id}/second-factors` (operationId resetSecondFactors): an administrator's answer
 * to a lost authenticator. The user's TOTP secret, recovery codes, passkeys and pending logins go in one
 * transaction; sessions stay, since they were opened by a login that passed.
 */
import { NotFoundError } from '../../template/errors/index.ts';
import type { OperationHandlers } from '../../template/service.ts';
import { IdpPasskey, IdpPendingLogin, IdpRecoveryCode, IdpTotp, IdpUser } from '../entities.ts';

export function secondFactorHandlers(): OperationHandlers {
  return {
    async resetSecondFactors(ctx) {
      const userId = ctx.state.params.id as string;
      await ctx.state.em.transactional(async (em) => {
        if (await em.count(IdpUser, { id: userId }) === 0) throw new NotFoundError('no such user');
        await em.nativeDelete(IdpTotp, { userId });
        await em.nativeDelete(IdpRecoveryCode, { userId });
        await em.nativeDelete(IdpPendingLogin, { userId });
        await em.nativeDelete(IdpPasskey, { userId });
      });
      ctx.status = 204;
    },
  };
}
