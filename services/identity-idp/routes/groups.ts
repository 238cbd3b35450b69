/**
 * The groups part of the admin API (`openapi.yaml`, scope `idp:admin`): groups and who is in them.
 * The built-in groups are listed and can be joined and left, but not changed or deleted.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { OperationContext, OperationHandlers } from '../../template/service.ts';
import { ConflictError, NotFoundError } from '../../template/errors/index.ts';
import { flushOrConflict } from '../../template/database/index.ts';
import { IdpGroup, IdpGroupMember, IdpUser } from '../entities.ts';
import { BUILT_IN_GROUPS, checkGroupScopes, checkGroupsExist, groupsOf, isBuiltIn, presentGroup, type PresentedGroup } from '../groups.ts';

interface GroupInput {
  readonly name: string;
  readonly scopes: readonly string[];
}

function refuseBuiltIn(name: string): void {
  if (isBuiltIn(name)) throw new ConflictError(`${name} is a built-in group: it cannot be changed or deleted`);
}

async function findGroup(em: EntityManager, name: string): Promise<PresentedGroup> {
  const builtIn = BUILT_IN_GROUPS.find((group) => group.name === name);
  if (builtIn !== undefined) return builtIn;
  const group = await em.findOne(IdpGroup, { name });
  if (group === null) throw new NotFoundError('no such group');
  return presentGroup(group);
}

async function userIdOf(ctx: OperationContext): Promise<string> {
  const id = ctx.state.params.id as string;
  if (await ctx.state.em.count(IdpUser, { id }) === 0) throw new NotFoundError('no such user');
  return id;
}

/**
 * Puts `userId` in each group of `names` (all checked to exist first). Joining twice is harmless,
 * also at the same time: a membership that exists already, or that another request has just
 * written, is kept as it is (INSERT … ON CONFLICT DO NOTHING), not answered with a conflict.
 */
export async function joinGroups(em: EntityManager, userId: string, names: readonly string[]): Promise<void> {
  await checkGroupsExist(em, names);
  const joining = [...new Set(names)].map((groupName) => ({ groupName, userId }));
  if (joining.length > 0) await em.upsertMany(IdpGroupMember, joining, { onConflictAction: 'ignore' });
}

export function groupHandlers(): OperationHandlers {
  return {
    async listGroups(ctx) {
      const stored = await ctx.state.em.find(IdpGroup, {}, { orderBy: { name: 'asc' } });
      ctx.body = { items: [...BUILT_IN_GROUPS, ...stored.map(presentGroup)] };
    },
    async createGroup(ctx) {
      const input = ctx.state.body as GroupInput;
      refuseBuiltIn(input.name);
      checkGroupScopes(input.scopes);
      const group = ctx.state.em.create(IdpGroup, { name: input.name, scopes: [...new Set(input.scopes)] });
      await flushOrConflict(ctx.state.em, 'the group name is taken');
      ctx.status = 201;
      ctx.body = presentGroup(group);
    },
    async getGroup(ctx) {
      ctx.body = await findGroup(ctx.state.em, ctx.state.params.name as string);
    },
    async updateGroup(ctx) {
      const name = ctx.state.params.name as string;
      refuseBuiltIn(name);
      const { scopes } = ctx.state.body as Pick<GroupInput, 'scopes'>;
      checkGroupScopes(scopes);
      const group = await ctx.state.em.findOne(IdpGroup, { name });
      if (group === null) throw new NotFoundError('no such group');
      group.scopes = [...new Set(scopes)];
      await ctx.state.em.flush();
      ctx.body = presentGroup(group);
    },
    async deleteGroup(ctx) {
      const name = ctx.state.params.name as string;
      refuseBuiltIn(name);
      await ctx.state.em.transactional(async (em) => {
        const removed = await em.nativeDelete(IdpGroup, { name });
        if (removed === 0) throw new NotFoundError('no such group');
        await em.nativeDelete(IdpGroupMember, { groupName: name });
      });
      ctx.status = 204;
    },
    async listUserGroups(ctx) {
      ctx.body = { items: await groupsOf(ctx.state.em, await userIdOf(ctx)) };
    },
    async addUserToGroup(ctx) {
      await joinGroups(ctx.state.em, await userIdOf(ctx), [ctx.state.params.name as string]);
      ctx.status = 204;
    },
    async removeUserFromGroup(ctx) {
      const userId = await userIdOf(ctx);
      const removed = await ctx.state.em.nativeDelete(IdpGroupMember, { userId, groupName: ctx.state.params.name as string });
      if (removed === 0) throw new NotFoundError('the user is not in that group');
      ctx.status = 204;
    },
  };
}
