/**
 * OpenID Connect Back-Channel Logout 1.0, identity-authz's side. oidc-provider makes and sends the
 * logout tokens (`features.backchannelLogout`): typ `logout+jwt`, signed like the client's ID
 * tokens with the current signing key, a 120 s lifetime, a fresh `jti`, `sub`, `sid` when the
 * client registered `backchannelLogoutSessionRequired`, the logout event, and never a nonce. It
 * sends them itself when a user signs out at end_session; when identity-idp's account event ends
 * every session of an account, `logoutSessions` asks it to do the same for each of them.
 *
 * Two seams are ours. The library's outgoing calls go through `trustingFetch`, which trusts the
 * suite's CA (the library's default refuses private addresses, where the suite's services live;
 * logout URIs are registered by `authz:admin` only). And failures are logged by client, never with
 * the token; each call has a deadline, so a dead receiver delays a logout by that much at most.
 */
import { request } from 'node:https';
import type Provider from 'oidc-provider';
import { withDefaultCas } from '../template/tls/trust.ts';
import type { AdapterPayload } from './storage/adapter.ts';

/** Longest a receiver may take to answer a logout token (the library sets the same). */
export const LOGOUT_DEADLINE_MS = 2_500;

/**
 * Most logout tokens in flight at once for one account event: an account signed into many
 * sessions × clients sends them in waves of this many, so a dead receiver's deadlines do not
 * multiply into hundreds of open sockets.
 */
export const LOGOUT_CONCURRENCY = 8;

/** What a failed delivery is reported with: the client and why, never the token. */
export type LogoutFailure = (clientId: string, reason: string) => void;

/** The body of a request as the library hands it (it sends forms as URLSearchParams). */
function bodyOf(body: RequestInit['body']): string | undefined {
  return body instanceof URLSearchParams || typeof body === 'string' ? body.toString() : undefined;
}

/**
 * oidc-provider's `fetch`: one HTTPS request over node:https trusting `ca` besides Node's defaults,
 * within `deadlineMs` (and the library's own signal). The answer carries the status only: the
 * library reads nothing else of a logout answer, the only call it makes with our features.
 */
export function trustingFetch(ca: string | undefined, deadlineMs = LOGOUT_DEADLINE_MS): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  const trusted = withDefaultCas(ca);
  return (input, init = {}) => new Promise<Response>((resolve, reject) => {
    const url = new URL(input instanceof Request ? input.url : input);
    if (url.protocol !== 'https:') {
      reject(new Error(`${url.origin} is not an https URL`));
      return;
    }
    const deadline = AbortSignal.timeout(deadlineMs);
    const signal = init.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    const headers = Object.fromEntries([...new Headers(init.headers).entries()].filter(([, value]) => value !== ''));
    const outgoing = request(url, { method: init.method ?? 'GET', headers, ca: trusted, signal }, (response) => {
      response.resume();
      resolve(new Response(null, { status: Number(response.statusCode) }));
    });
    outgoing.on('error', (error) => { reject(signal.aborted ? new Error(`no answer within ${String(deadlineMs)} ms`) : error); });
    outgoing.end(bodyOf(init.body));
  });
}

/** Why a delivery failed, in words that never hold the token (the library's own errors do not). */
export function failureReason(error: unknown): string {
  return error instanceof Error ? error.message : 'unknown failure';
}

/** Each client a stored session signed into, with the `sid` the library gave it there. */
function authorizationsOf(session: AdapterPayload): { accountId: string; clients: [string, string | undefined][] } | undefined {
  const { accountId, authorizations } = session;
  if (typeof accountId !== 'string' || typeof authorizations !== 'object' || authorizations === null) return undefined;
  const clients = Object.entries(authorizations as Record<string, { sid?: unknown }>)
    .map(([clientId, { sid }]): [string, string | undefined] => [clientId, typeof sid === 'string' ? sid : undefined]);
  return { accountId, clients };
}

/** What `logoutSessions` needs of the provider: its clients, which send their own logout tokens. */
export interface LogoutClients {
  readonly Client: {
    find(id: string): Promise<{ readonly backchannelLogoutUri?: string | undefined; backchannelLogout(sub: string, sid: string): Promise<void> } | undefined>;
  };
}

/** The provider as `logoutSessions` uses it: the library's clients have `backchannelLogout`, which its types leave out. */
export function logoutClientsOf(provider: Provider): LogoutClients {
  return provider as unknown as LogoutClients;
}

async function logoutClient(provider: LogoutClients, clientId: string, accountId: string, sid: string | undefined, onFailure: LogoutFailure): Promise<void> {
  try {
    const client = await provider.Client.find(clientId);
    if (client?.backchannelLogoutUri === undefined) return;
    await client.backchannelLogout(accountId, sid ?? '');
  } catch (error) {
    onFailure(clientId, failureReason(error));
  }
}

/**
 * Sends a logout token to every client with a logout URI of every one of these sessions (read
 * before they were deleted); at most `concurrency` at once, each within the deadline, failures
 * reported.
 */
export async function logoutSessions(provider: LogoutClients, sessions: readonly AdapterPayload[], onFailure: LogoutFailure, concurrency = LOGOUT_CONCURRENCY): Promise<void> {
  const pending: [string, string, string | undefined][] = [];
  for (const session of sessions) {
    const found = authorizationsOf(session);
    if (found === undefined) continue;
    for (const [clientId, sid] of found.clients) pending.push([clientId, found.accountId, sid]);
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let item = pending[next]; item !== undefined; item = pending[next]) {
      next += 1;
      await logoutClient(provider, item[0], item[1], item[2], onFailure);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, pending.length) }, worker));
}
