/**
 * The admin API of `openapi.yaml`: one handler per operationId. Scope `idp:admin` is declared on
 * the whole document, so the template refuses every other token before a handler runs.
 */
import type { OperationContext, OperationHandlers } from '../../template/service.ts';
import type { HashService } from '../../template/hash/index.ts';
import { ConflictError, NotFoundError } from '../../template/errors/index.ts';
import { isUniqueViolation } from '../../template/database/index.ts';
import { IdpSession, IdpUser } from '../entities.ts';
import { newUser, presentUser, type NewUser } from '../users.ts';
import { checkGroupsExist, DEFAULT_GROUP } from '../groups.ts';
import { joinGroups } from './groups.ts';

interface UserUpdate {
  readonly email?: string;
  readonly password?: string;
}

async function findUser(ctx: OperationContext): Promise<IdpUser> {
  const user = await ctx.state.em.findOne(IdpUser, { id: ctx.state.params.id as string });
  if (user === null) throw new NotFoundError('no such user');
  return user;
}

/** Handlers for `/users`, `/users/{id}` and `/users/{id}/unlock`; `now` decides whether a lockout is still in force. */
export function userHandlers(hash: HashService, now: () => Date): OperationHandlers {
  return {
    async createUser(ctx) {
      const { groups = [DEFAULT_GROUP], ...input } = ctx.state.body as NewUser & { groups?: string[] };
      // Unknown groups are refused before anything is written.
      await checkGroupsExist(ctx.state.em, groups);
      const user = await newUser(ctx.state.em, hash, input);
      try {
        await ctx.state.em.flush();
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError('the username is taken');
        throw error;
      }
      await joinGroups(ctx.state.em, user.id, groups);
      ctx.status = 201;
      ctx.body = presentUser(user, now());
    },
    async listUsers(ctx) {
      const page = ctx.state.query.page as number;
      const size = ctx.state.query.size as number;
      const [items, total] = await ctx.state.em.findAndCount(IdpUser, {}, { orderBy: { id: 'asc' }, limit: size, offset: page * size });
      const at = now();
      ctx.body = { items: items.map((user) => presentUser(user, at)), page, size, total };
    },
    async getUser(ctx) {
      ctx.body = presentUser(await findUser(ctx), now());
    },
    async updateUser(ctx) {
      const user = await findUser(ctx);
      const update = ctx.state.body as UserUpdate;
      if (update.email !== undefined) user.email = update.email;
      if (update.password !== undefined) {
        user.passwordHash = await hash.lowEntropyRandom.hashWithLatest(update.password);
        // OWASP: a password reset ends every session that the old password opened.
        await ctx.state.em.nativeDelete(IdpSession, { userId: user.id });
      }
      await ctx.state.em.flush();
      ctx.body = presentUser(user, now());
    },
    async deleteUser(ctx) {
      // The foreign key cascades: the user's sessions go in the same statement.
      const removed = await ctx.state.em.nativeDelete(IdpUser, { id: ctx.state.params.id as string });
      if (removed === 0) throw new NotFoundError('no such user');
      ctx.status = 204;
    },
    async unlockUser(ctx) {
      const user = await findUser(ctx);
      user.failedAttempts = 0;
      user.lockedUntil = null;
      await ctx.state.em.flush();
      ctx.body = presentUser(user, now());
    },
  };
}
