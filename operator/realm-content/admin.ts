/**
 * identity-authz's client management API (`/service/api/v1/clients`, scope `authz:admin`) as the
 * operator calls it: with a client-credentials token of the realm's operator client, over HTTPS
 * trusting only the CA of identity-authz's TLS Secret. identity-idp's API (idp-admin.ts) is called
 * the same way, with a token of the same client for identity-idp. A refusal becomes a `ReconcileProblem`
 * (`RealmContentSyncFailed`) that names the call and the service's problem detail, never a secret.
 */
import type { ServiceRequest } from '../controllers/service-fetch.ts';
import { ReconcileProblem } from '../controllers/problem.ts';
import type { ActualClient, ClientBody } from './plan.ts';
import type { ActualResourceServer, ResourceServerBody } from './resource-servers.ts';

/** identity-authz's resource indicator: the audience of tokens for its own API. */
export const AUTHZ_RESOURCE = 'urn:cryptoutil:identity-authz';

/** Where identity-authz (and identity-idp) are and how the operator authenticates to them. */
export interface AdminAccess {
  /** Base URL of identity-authz's public listener (its token endpoint is `<baseUrl>/token`). */
  readonly baseUrl: string;
  /** PEM CA that signed identity-authz's certificate. */
  readonly ca: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** identity-idp of the realm (groups, the bootstrap admin); absent when the realm runs none. */
  readonly idp?: ServiceAt;
}

/** The largest page the API serves. */
const PAGE_SIZE = 100;

export const SYNC_FAILED = 'RealmContentSyncFailed';

function text(body: Uint8Array): string {
  return Buffer.from(body).toString('utf8');
}

/** The `detail` (else `title`) of a problem+json answer, or nothing when the body is not one. */
function problemDetail(body: Uint8Array): string {
  try {
    const problem = JSON.parse(text(body)) as { detail?: unknown; title?: unknown } | null;
    const detail = problem?.detail ?? problem?.title;
    return typeof detail === 'string' ? `: ${detail}` : '';
  } catch {
    return '';
  }
}

/** Where a service's admin API is: its base URL and the PEM CA of its TLS certificate. */
export interface ServiceAt {
  readonly baseUrl: string;
  readonly ca: string;
}

/**
 * One session with one service's admin API (`/service/api/v1`): a client-credentials token of the
 * operator client from identity-authz for `resource` is fetched on first use and kept.
 */
export class AdminSession {
  readonly #access: AdminAccess;
  readonly #service: string;
  readonly #at: ServiceAt;
  readonly #resource: string;
  readonly #request: ServiceRequest;
  #token: string | undefined;

  constructor(access: AdminAccess, request: ServiceRequest, target: { readonly service: string; readonly at: ServiceAt; readonly resource: string } = { service: 'identity-authz', at: access, resource: AUTHZ_RESOURCE }) {
    this.#access = access;
    this.#service = target.service;
    this.#at = target.at;
    this.#resource = target.resource;
    // No answer at all (not resolvable, refused, timed out) is a sync failure like a refusal.
    this.#request = async (method, url, options) => {
      try {
        return await request(method, url, options);
      } catch (error) {
        const who = url.startsWith(access.baseUrl) ? `identity-authz at ${access.baseUrl}` : `${target.service} at ${target.at.baseUrl}`;
        throw new ReconcileProblem(SYNC_FAILED, `${who} did not answer: ${(error as Error).message}`);
      }
    };
  }

  async #bearer(): Promise<string> {
    if (this.#token !== undefined) return this.#token;
    const { baseUrl, ca, clientId, clientSecret } = this.#access;
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
    const answer = await this.#request('POST', `${baseUrl}/token`, {
      ca,
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: this.#resource }).toString(),
    });
    const token = answer.status === 200 ? (JSON.parse(text(answer.body)) as { access_token?: unknown }).access_token : undefined;
    if (typeof token !== 'string') {
      throw new ReconcileProblem(SYNC_FAILED, `identity-authz refused the operator client ${clientId} a token for ${this.#service} (HTTP ${String(answer.status)}); is its Secret the one identity-authz was started with?`);
    }
    this.#token = token;
    return token;
  }

  /** Calls `/service/api/v1<path>`; any status outside `expected` is a problem naming `what`. */
  async call(what: string, method: string, path: string, expected: readonly number[], body?: unknown): Promise<{ readonly status: number; readonly json: unknown }> {
    const answer = await this.#request(method, `${this.#at.baseUrl}/service/api/v1${path}`, {
      ca: this.#at.ca,
      headers: { authorization: `Bearer ${await this.#bearer()}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!expected.includes(answer.status)) {
      throw new ReconcileProblem(SYNC_FAILED, `${this.#service} answered ${String(answer.status)} to ${what}${problemDetail(answer.body)}`);
    }
    return { status: answer.status, json: answer.body.length === 0 ? undefined : JSON.parse(text(answer.body)) };
  }
}

/** identity-authz's clients API, in one session. */
export class AuthzAdmin {
  readonly #session: AdminSession;

  constructor(access: AdminAccess, request: ServiceRequest) {
    this.#session = new AdminSession(access, request);
  }

  async #call(what: string, method: string, path: string, expected: readonly number[], body?: unknown): Promise<unknown> {
    return (await this.#session.call(what, method, path, expected, body)).json;
  }

  /** Every client identity-authz holds, page by page. */
  async listClients(): Promise<ActualClient[]> {
    const clients: ActualClient[] = [];
    for (let page = 0; ; page += 1) {
      const answer = await this.#call('listing clients', 'GET', `/clients?page=${String(page)}&size=${String(PAGE_SIZE)}`, [200]) as { items: ActualClient[]; total: number };
      clients.push(...answer.items);
      if (answer.items.length < PAGE_SIZE || clients.length >= answer.total) return clients;
    }
  }

  /** Creates the client; resolves its secret, shown this once. */
  async createClient(body: ClientBody): Promise<string> {
    const answer = await this.#call(`creating client ${body.clientId}`, 'POST', '/clients', [201], body) as { clientSecret: string };
    return answer.clientSecret;
  }

  async updateClient(body: ClientBody): Promise<void> {
    await this.#call(`updating client ${body.clientId}`, 'PUT', `/clients/${encodeURIComponent(body.clientId)}`, [200], body);
  }

  /** A new secret for the client; the old one is refused from now on. */
  async rotateSecret(clientId: string): Promise<string> {
    const answer = await this.#call(`rotating the secret of client ${clientId}`, 'POST', `/clients/${encodeURIComponent(clientId)}/secret`, [200]) as { clientSecret: string };
    return answer.clientSecret;
  }

  /** Deletes the client; one already gone is not an error. */
  async deleteClient(clientId: string): Promise<void> {
    await this.#call(`deleting client ${clientId}`, 'DELETE', `/clients/${encodeURIComponent(clientId)}`, [204, 404]);
  }

  /** Every resource server identity-authz knows, the built-in ones included, page by page. */
  async listResourceServers(): Promise<ActualResourceServer[]> {
    const servers: ActualResourceServer[] = [];
    for (let page = 0; ; page += 1) {
      const answer = await this.#call('listing resource servers', 'GET', `/resource-servers?page=${String(page)}&size=${String(PAGE_SIZE)}`, [200]) as { items: ActualResourceServer[]; total: number };
      servers.push(...answer.items);
      if (answer.items.length < PAGE_SIZE || servers.length >= answer.total) return servers;
    }
  }

  async createResourceServer(body: ResourceServerBody): Promise<void> {
    await this.#call(`creating resource server ${body.name}`, 'POST', '/resource-servers', [201], body);
  }

  async updateResourceServer(body: ResourceServerBody): Promise<void> {
    await this.#call(`updating resource server ${body.name}`, 'PUT', `/resource-servers/${encodeURIComponent(body.name)}`, [200], body);
  }

  /** Deletes the resource server; one already gone is not an error. */
  async deleteResourceServer(name: string): Promise<void> {
    await this.#call(`deleting resource server ${name}`, 'DELETE', `/resource-servers/${encodeURIComponent(name)}`, [204, 404]);
  }
}
