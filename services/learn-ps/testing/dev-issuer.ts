/**
 * A development stand-in for identity-authz, for the tutorial: the template's test issuer with one
 * confidential client allowed every learn-ps scope. Prints what `credentials.json` will carry once
 * identity-authz is part of `cryptoutil up`, and runs until Ctrl-C. Never use it in production.
 *
 *   node services/learn-ps/testing/dev-issuer.ts [DIR]
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createTestIssuer } from '../../template/testing/issuer.ts';
import { ALL_SCOPES } from './harness.ts';

const dir = resolve(process.argv[2] ?? '.cryptoutil-dev-issuer');
await mkdir(dir, { recursive: true, mode: 0o700 });
const issuer = await createTestIssuer({ tokenLifetimeSeconds: 3600 });
const clientSecret = randomBytes(24).toString('base64url');
issuer.addClient('learn-ps-demo', clientSecret, ALL_SCOPES);
const caFile = join(dir, 'issuer-ca.pem');
await writeFile(caFile, issuer.ca, { mode: 0o600 });
const credentials = { issuer: issuer.url, token_endpoint: issuer.tokenEndpoint, client_id: 'learn-ps-demo', client_secret: clientSecret, ca_file: caFile };
await writeFile(join(dir, 'issuer.json'), `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
process.stdout.write(`issuer ${issuer.url}\ncredentials ${join(dir, 'issuer.json')}\nPress Ctrl-C to stop.\n`);
const stop = (): void => { void issuer.close(); };
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
