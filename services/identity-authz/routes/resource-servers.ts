/**
 * Resource server management (`/service/api/v1/resource-servers`, scope `authz:admin`): the
 * built-in ones are shown read-only, declared ones are created, changed and deleted here.
 */
import type { OperationContext, OperationHandlers } from '../../template/service.ts';
import { BadRequestError, ConflictError, NotFoundError } from '../../template/errors/index.ts';
import { flushOrConflict } from '../../template/database/index.ts';
import { OauthClient, ResourceServer } from '../entities.ts';
import type { AuthzHost } from '../host.ts';
import {
  builtInServers, checkResourceServerInput, presentResourceServer, resourceServerFields, type ResourceServerInput, type ResourceServerView,
} from '../resource-servers.ts';

/** How many of the clients that hold a resource's scopes a refused delete names. */
const NAMED_CLIENTS = 5;

function nameOf(ctx: OperationContext): string {
  return ctx.state.params.resourceServerName as string;
}

async function builtIn(host: AuthzHost, name: string): Promise<ResourceServerView | undefined> {
  return builtInServers(await host.resourceServers.builtIns()).find((server) => server.name === name);
}

/** The declared resource server of the path; a built-in one cannot be changed. */
async function findDeclared(host: AuthzHost, ctx: OperationContext): Promise<ResourceServer> {
  const name = nameOf(ctx);
  if (await builtIn(host, name) !== undefined) throw new ConflictError(`${name} is a built-in resource server: its scopes are its service's OpenAPI document`);
  const row = await ctx.state.em.findOne(ResourceServer, { name });
  if (row === null) throw new NotFoundError('no such resource server');
  return row;
}

/** Handlers for `/resource-servers` and `/resource-servers/{resourceServerName}`. */
export function resourceServerHandlers(host: AuthzHost): OperationHandlers {
  return {
    async createResourceServer(ctx) {
      const input = ctx.state.body as ResourceServerInput;
      if (await builtIn(host, input.name) !== undefined) throw new ConflictError(`${input.name} is the name of a built-in resource server`);
      const taken = `a resource server named ${input.name} or with identifier ${input.identifier} already exists`;
      // Said before the scopes are checked (those of the one that exists would clash); the unique
      // constraints decide between concurrent requests.
      if (await ctx.state.em.count(ResourceServer, { $or: [{ name: input.name }, { identifier: input.identifier }] }) > 0) throw new ConflictError(taken);
      checkResourceServerInput(input, await host.resourceServers.othersThan(ctx.state.em, input.identifier));
      const row = ctx.state.em.create(ResourceServer, { name: input.name, ...resourceServerFields(input) });
      await flushOrConflict(ctx.state.em, taken);
      host.resourceServers.changed();
      ctx.status = 201;
      ctx.body = presentResourceServer(row);
    },
    async listResourceServers(ctx) {
      const page = ctx.state.query.page as number;
      const size = ctx.state.query.size as number;
      const builtIns = builtInServers(await host.resourceServers.builtIns());
      const offset = page * size;
      // One page may hold the last built-in ones and the first declared ones.
      const fromBuiltIns = builtIns.slice(offset, offset + size);
      const [declared, declaredTotal] = await ctx.state.em.findAndCount(ResourceServer, {}, {
        orderBy: { name: 'asc' }, limit: Math.max(1, size - fromBuiltIns.length), offset: Math.max(0, offset - builtIns.length),
      });
      // A page wholly within the built-in ones reads no row, only the count.
      const items = [...fromBuiltIns, ...(fromBuiltIns.length === size ? [] : declared.map(presentResourceServer))];
      ctx.body = { items, page, size, total: builtIns.length + declaredTotal };
    },
    async getResourceServer(ctx) {
      const name = nameOf(ctx);
      const known = await builtIn(host, name);
      if (known !== undefined) {
        ctx.body = known;
        return;
      }
      const row = await ctx.state.em.findOne(ResourceServer, { name });
      if (row === null) throw new NotFoundError('no such resource server');
      ctx.body = presentResourceServer(row);
    },
    async updateResourceServer(ctx) {
      const row = await findDeclared(host, ctx);
      const input = ctx.state.body as ResourceServerInput;
      if (input.name !== row.name) throw new BadRequestError('name cannot change: it must equal the path');
      if (input.identifier !== row.identifier) throw new BadRequestError('identifier cannot change; create a new resource server');
      checkResourceServerInput(input, await host.resourceServers.othersThan(ctx.state.em, row.identifier));
      ctx.state.em.assign(row, resourceServerFields(input));
      await ctx.state.em.flush();
      host.resourceServers.changed();
      ctx.body = presentResourceServer(row);
    },
    async deleteResourceServer(ctx) {
      const { name, identifier } = await findDeclared(host, ctx);
      await ctx.state.em.transactional(async (tx) => {
        // The row goes first: a client write naming this resource holds the same row
        // (ResourceServers.hold), so either it has committed and is seen below, or it waits and
        // then finds the resource gone.
        if (await tx.nativeDelete(ResourceServer, { name }) === 0) throw new NotFoundError('no such resource server');
        const clients = await tx.find(OauthClient, {}, { orderBy: { id: 'asc' }, disableIdentityMap: true });
        const holders = clients.filter((client) => (new Map(Object.entries(client.resourceScopes)).get(identifier) ?? []).length > 0).map((client) => client.id);
        if (holders.length > 0) {
          throw new ConflictError(`clients ${holders.slice(0, NAMED_CLIENTS).join(', ')}${holders.length > NAMED_CLIENTS ? ` and ${String(holders.length - NAMED_CLIENTS)} more` : ''} hold scopes for ${identifier}; remove them first`);
        }
      });
      host.resourceServers.changed();
      ctx.status = 204;
    },
  };
}
