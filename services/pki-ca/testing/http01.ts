/**
 * ACME from a client's side, for tests: an http-01 responder on a free port (the port pki-ca's
 * `pki.acmeHttpPort` then names) and acme-client ordering a certificate for `localhost` through it.
 */
import * as acme from 'acme-client';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface Http01Responder {
  readonly port: number;
  close(): void;
  /** acme-client's challenge hooks, answering on this responder. */
  readonly hooks: Pick<Parameters<acme.Client['auto']>[0], 'challengeCreateFn' | 'challengeRemoveFn'>;
}

/** Serves `/.well-known/acme-challenge/<token>` on `host` (every interface when absent), port 0. */
export async function http01Responder(host?: string): Promise<Http01Responder> {
  const tokens = new Map<string, string>();
  const server = http.createServer((request, response) => {
    const token = /^\/\.well-known\/acme-challenge\/([\w-]+)$/.exec(request.url ?? '')?.[1] ?? '';
    const keyAuthorization = tokens.get(token);
    response.writeHead(keyAuthorization === undefined ? 404 : 200).end(keyAuthorization ?? '');
  });
  server.listen(0, host);
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: () => { server.close(); },
    hooks: {
      challengeCreateFn: (_authz, challenge, keyAuthorization) => { tokens.set(challenge.token, keyAuthorization); return Promise.resolve(); },
      challengeRemoveFn: (_authz, challenge) => { tokens.delete(challenge.token); return Promise.resolve(); },
    },
  };
}

/** A new ACME account at `directoryUrl` (whose TLS `ca` is trusted) orders `localhost` over http-01: the PEM chain. */
export async function orderLocalhost(directoryUrl: string, ca: string, responder: Http01Responder): Promise<{ readonly chain: string; readonly client: acme.Client }> {
  acme.axios.defaults.httpsAgent = new https.Agent({ ca });
  const client = new acme.Client({ directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey(), backoffAttempts: 5, backoffMin: 50, backoffMax: 500 });
  const [, csr] = await acme.crypto.createCsr({ commonName: 'localhost', altNames: ['localhost'] });
  const chain = await client.auto({ csr, termsOfServiceAgreed: true, challengePriority: ['http-01'], skipChallengeVerification: true, ...responder.hooks });
  return { chain, client };
}
