/**
 * identity-idp's admin API (`/service/api/v1/groups`, `/users`, scope `idp:admin`) as the operator
 * calls it: with a client-credentials token of the realm's operator client for identity-idp, over
 * HTTPS trusting only the CA of identity-idp's TLS Secret. A refusal becomes a `ReconcileProblem`
 * (`RealmContentSyncFailed`) naming the call, never a password.
 */
import type { ServiceRequest } from '../controllers/service-fetch.ts';
import { AdminSession, type AdminAccess, type ServiceAt } from './admin.ts';
import type { ActualGroup } from './groups.ts';

/** identity-idp's resource indicator: the audience of tokens for its API. */
export const IDP_RESOURCE = 'urn:cryptoutil:identity-idp';

/** The user the operator creates for `spec.bootstrapAdmin`; the password is sent, never kept here. */
export interface NewUser {
  readonly username: string;
  readonly email: string;
  readonly password: string;
  readonly groups: readonly string[];
}

/** identity-idp's groups and users API, in one session. */
export class IdpAdmin {
  readonly #session: AdminSession;

  constructor(access: AdminAccess, idp: ServiceAt, request: ServiceRequest) {
    this.#session = new AdminSession(access, request, { service: 'identity-idp', at: idp, resource: IDP_RESOURCE });
  }

  /** Every group identity-idp holds, the built-in ones included (one page: the API has no paging). */
  async listGroups(): Promise<ActualGroup[]> {
    return ((await this.#session.call('listing groups', 'GET', '/groups', [200])).json as { items: ActualGroup[] }).items;
  }

  async createGroup(name: string, scopes: readonly string[]): Promise<void> {
    await this.#session.call(`creating group ${name}`, 'POST', '/groups', [201], { name, scopes });
  }

  async updateGroup(name: string, scopes: readonly string[]): Promise<void> {
    await this.#session.call(`updating group ${name}`, 'PUT', `/groups/${encodeURIComponent(name)}`, [200], { scopes });
  }

  /** Deletes the group; one already gone is not an error. */
  async deleteGroup(name: string): Promise<void> {
    await this.#session.call(`deleting group ${name}`, 'DELETE', `/groups/${encodeURIComponent(name)}`, [204, 404]);
  }

  /** Creates the user: true when created, false when the username was taken (409). */
  async createUser(user: NewUser): Promise<boolean> {
    const answer = await this.#session.call(`creating user ${user.username}`, 'POST', '/users', [201, 409], { username: user.username, email: user.email, password: user.password, groups: user.groups });
    return answer.status === 201;
  }
}
