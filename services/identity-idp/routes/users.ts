/**
 * The admin API of `openapi.yaml`: one handler per operationId. Scope `idp:admin` is declared on
 * the whole document, so the template refuses every other token before a handler runs.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { OperationContext, OperationHandlers } from '../../template/service.ts';
import type { AccountEvents } from '../account-events.ts';
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

/** An administrator's lock lasts until an unlock. */
const LOCKED_BY_ADMIN = new Date('9999-12-31T23:59:59Z');

async function findUser(ctx: OperationContext, em: EntityManager = ctx.state.em): Promise<IdpUser> {
  const user = await em.findOne(IdpUser, { id: ctx.state.params.id as string });
  if (user === null) throw new NotFoundError('no such user');
  return user;
}

/**
 * Handlers for `/users`, `/users/{id}`, `/users/{id}/lock` and `/users/{id}/unlock`; `now` decides
 * whether a lockout is still in force. Deleting, locking and re-passwording tell identity-authz
 * (`events`) inside the transaction: when it cannot be told, the change is rolled back.
 */
export function userHandlers(hash: HashService, now: () => Date, events: Pick<AccountEvents, 'prepare'>): OperationHandlers {
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
      const update = ctx.state.body as UserUpdate;
      const tell = update.password === undefined ? undefined : await events.prepare(ctx.state.params.id as string, 'password-changed');
      const user = await ctx.state.em.transactional(async (em) => {
        const found = await findUser(ctx, em);
        if (update.email !== undefined) found.email = update.email;
        if (tell !== undefined && update.password !== undefined) {
          found.passwordHash = await hash.lowEntropyRandom.hashWithLatest(update.password);
          // OWASP: a password reset ends every session that the old password opened, here and at
          // identity-authz; if identity-authz is not told, nothing changes (503).
          await em.nativeDelete(IdpSession, { userId: found.id });
          await em.flush();
          await tell();
        }
        return found;
      });
      ctx.body = presentUser(user, now());
    },
    async deleteUser(ctx) {
      const id = ctx.state.params.id as string;
      const tell = await events.prepare(id, 'deleted');
      await ctx.state.em.transactional(async (em) => {
        // The foreign key cascades: the user's sessions and memberships go in the same statement.
        const removed = await em.nativeDelete(IdpUser, { id });
        if (removed === 0) throw new NotFoundError('no such user');
        await tell();
      });
      ctx.status = 204;
    },
    async lockUser(ctx) {
      const tell = await events.prepare(ctx.state.params.id as string, 'locked');
      const user = await ctx.state.em.transactional(async (em) => {
        const found = await findUser(ctx, em);
        found.lockedUntil = LOCKED_BY_ADMIN;
        await em.nativeDelete(IdpSession, { userId: found.id });
        await em.flush();
        await tell();
        return found;
      });
      ctx.body = presentUser(user, now());
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
