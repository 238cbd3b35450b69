/**
 * identity-rs end to end, through `cryptoutil up` as a real process: the demo client gets real
 * client-credentials tokens from identity-authz (RFC 6749 §4.4, resource per RFC 8707) and calls
 * the reference resource server, first as a bearer token, then bound to a key with a DPoP proof
 * made here with jose (RFC 9449), which the server refuses without its proof.
 */
import { expect } from 'chai';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { httpsCall, type HttpAnswer } from '../../services/template/testing/service-harness.ts';
import { dpopKey } from '../../services/identity-rs/testing/dpop.ts';
import { sourceCli, startUp, type Running } from './processes.ts';

interface Credentials {
  readonly issuer: string;
  readonly token_endpoint: string;
  readonly client_id: string;
  readonly client_secret: string;
  readonly ca_file: string;
  readonly services: Readonly<Record<string, { readonly url: string; readonly admin_url: string }>>;
}

const RESOURCE = 'urn:cryptoutil:identity-rs';

describe('identity-rs with real tokens from identity-authz (e2e)', function () {
  this.timeout(180_000);
  let up: Running;
  let credentials: Credentials;
  let ca: string;
  let api: string;

  before(async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'cryptoutil-rs-')), 'data');
    up = await startUp(sourceCli, dataDir);
    await up.waitFor('Press Ctrl-C to stop.', 90_000);
    credentials = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as Credentials;
    ca = await readFile(credentials.ca_file, 'utf8');
    api = `${credentials.services['identity-rs']?.url ?? ''}/service/api/v1`;
  });

  after(async () => {
    up.child.kill('SIGINT');
    expect((await up.finished).code).to.equal(0);
  });

  function tokenRequest(form: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    const basic = Buffer.from(`${encodeURIComponent(credentials.client_id)}:${encodeURIComponent(credentials.client_secret)}`).toString('base64');
    return httpsCall(ca, 'POST', credentials.token_endpoint, {
      body: new URLSearchParams(form).toString(),
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
  }

  it('a bearer token with rs:read reads but cannot write (403); with rs:write it writes', async () => {
    const reading = await tokenRequest({ grant_type: 'client_credentials', resource: RESOURCE, scope: 'rs:read' });
    expect(reading.status, reading.text).to.equal(200);
    const reader = (reading.json as { access_token: string }).access_token;
    expect(decodeJwt(reader)).to.include({ aud: RESOURCE, iss: credentials.issuer, scope: 'rs:read' });
    const refused = await httpsCall(ca, 'POST', `${api}/documents`, { token: reader, body: { title: 'Plan', content: 'x' } });
    expect(refused.status, refused.text).to.equal(403);

    // No scope: every scope the demo client is allowed for the resource (DESIGN "identity-authz").
    const all = await tokenRequest({ grant_type: 'client_credentials', resource: RESOURCE });
    const writer = (all.json as { access_token: string }).access_token;
    expect(String(decodeJwt(writer).scope).split(' ').sort()).to.deep.equal(['rs:read', 'rs:write']);
    const created = await httpsCall(ca, 'POST', `${api}/documents`, { token: writer, body: { title: 'Plan', content: 'x' } });
    expect(created.status, created.text).to.equal(201);
    expect(created.json).to.include({ createdBy: credentials.client_id });
    const listed = await httpsCall(ca, 'GET', `${api}/documents`, { token: reader });
    expect(listed.status).to.equal(200);
    expect((listed.json as { total: number }).total).to.equal(1);

    const principal = await httpsCall(ca, 'GET', `${api}/principal`, { token: reader });
    expect(principal.json).to.include({ sub: credentials.client_id, clientId: credentials.client_id, kind: 'service', tokenType: 'Bearer' });
    expect((await httpsCall(ca, 'GET', `${api}/documents`)).status).to.equal(401);
  });

  it('a DPoP-bound token works with a proof made with jose and is refused without it', async () => {
    const key = await dpopKey();
    const answer = await tokenRequest(
      { grant_type: 'client_credentials', resource: RESOURCE, scope: 'rs:read' },
      { dpop: await key.proof('POST', credentials.token_endpoint) },
    );
    expect(answer.status, answer.text).to.equal(200);
    const { access_token: token, token_type: tokenType } = answer.json as { access_token: string; token_type: string };
    expect(tokenType).to.equal('DPoP');
    expect(decodeJwt(token).cnf).to.deep.equal({ jkt: key.jkt });

    const url = `${api}/principal`;
    const accepted = await httpsCall(ca, 'GET', url, { headers: { authorization: `DPoP ${token}`, dpop: await key.proof('GET', url, token) } });
    expect(accepted.status, accepted.text).to.equal(200);
    expect(accepted.json).to.include({ tokenType: 'DPoP', jkt: key.jkt, sub: credentials.client_id });

    const withoutProof = await httpsCall(ca, 'GET', url, { headers: { authorization: `DPoP ${token}` } });
    expect(withoutProof.status).to.equal(401);
    expect(withoutProof.headers['www-authenticate']).to.match(/^DPoP error="invalid_dpop_proof"/);
    const asBearer = await httpsCall(ca, 'GET', url, { token });
    expect(asBearer.status).to.equal(401);
  });
});
