import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import type https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { stringify } from 'yaml';
import { clusterAccess, TOKEN_REREAD_MS } from './access.ts';
import type { ClusterAccess } from './access.ts';

const CA = '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n';

interface Kubeconfig {
  readonly cluster?: Record<string, unknown>;
  readonly user?: Record<string, unknown>;
  readonly context?: string;
}

/** A kubeconfig with one cluster, user and context, as kubectl writes them. */
async function kubeconfig(dir: string, name: string, parts: Kubeconfig = {}): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': parts.context ?? 'sim',
    clusters: [{ name: 'sim', cluster: parts.cluster ?? { server: 'https://127.0.0.1:6443', 'certificate-authority-data': Buffer.from(CA).toString('base64') } }],
    users: [{ name: 'operator', user: parts.user ?? { token: 'inline-token' } }],
    contexts: [{ name: 'sim', context: { cluster: 'sim', user: 'operator' } }],
  }));
  return file;
}

async function applied(access: ClusterAccess): Promise<https.RequestOptions> {
  const options: https.RequestOptions = { headers: { accept: 'application/json' } };
  await access.apply(options);
  return options;
}

describe('cluster access: kubeconfig files and the in-cluster service account', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cryptoutil-access-'));
  });

  it('reads the server, CA and an inline token from the named file, keeping the other headers', async () => {
    const access = await clusterAccess({ file: await kubeconfig(dir, 'config'), env: {} });
    expect(access.server).to.equal('https://127.0.0.1:6443');
    const options = await applied(access);
    expect(options).to.deep.equal({ ca: CA, headers: { accept: 'application/json', authorization: 'Bearer inline-token' } });
    const flat: https.RequestOptions = { headers: ['accept', 'application/json'] };
    await access.apply(flat);
    expect(flat.headers, 'headers as a flat list').to.deep.equal(['accept', 'application/json', 'authorization', 'Bearer inline-token']);
  });

  it('reads client certificates and the CA from files relative to the kubeconfig, a TLS server name and skip-verify', async () => {
    await mkdir(join(dir, 'pki'));
    await writeFile(join(dir, 'pki', 'ca.crt'), CA);
    await writeFile(join(dir, 'pki', 'client.crt'), 'client-cert');
    await writeFile(join(dir, 'pki', 'client.key'), 'client-key');
    const file = await kubeconfig(dir, 'config', {
      cluster: { server: 'https://api.example:6443', 'certificate-authority': 'pki/ca.crt', 'tls-server-name': 'kubernetes.default', 'insecure-skip-tls-verify': true },
      user: { 'client-certificate': 'pki/client.crt', 'client-key': join(dir, 'pki', 'client.key') },
    });
    const options = await applied(await clusterAccess({ file, env: {} }));
    expect(options).to.deep.equal({ ca: CA, cert: 'client-cert', key: 'client-key', servername: 'kubernetes.default', rejectUnauthorized: false, headers: { accept: 'application/json' } });
    const inline = await kubeconfig(dir, 'inline', {
      cluster: { server: 'https://api.example:6443' },
      user: { 'client-certificate-data': Buffer.from('cert-data').toString('base64'), 'client-key-data': Buffer.from('key-data').toString('base64') },
    });
    expect(await applied(await clusterAccess({ file: inline, env: {} }))).to.deep.equal({ cert: 'cert-data', key: 'key-data', headers: { accept: 'application/json' } });
  });

  it('reads a token file again once a minute, as bound tokens rotate', async () => {
    await writeFile(join(dir, 'token'), 'first\n');
    let clock = 0;
    const access = await clusterAccess({ file: await kubeconfig(dir, 'config', { user: { tokenFile: 'token' } }), env: {}, now: () => clock });
    expect((await applied(access)).headers).to.deep.include({ authorization: 'Bearer first' });
    await writeFile(join(dir, 'token'), 'second\n');
    clock = TOKEN_REREAD_MS - 1;
    expect((await applied(access)).headers).to.deep.include({ authorization: 'Bearer first' });
    clock = TOKEN_REREAD_MS;
    expect((await applied(access)).headers).to.deep.include({ authorization: 'Bearer second' });
  });

  it('looks in KUBECONFIG, then ~/.kube/config, then the service account, and says what it looked for', async () => {
    const named = await kubeconfig(dir, 'named', { cluster: { server: 'https://named:6443' } });
    expect((await clusterAccess({ env: { KUBECONFIG: named }, home: dir })).server).to.equal('https://named:6443');
    await mkdir(join(dir, '.kube'));
    await kubeconfig(join(dir, '.kube'), 'config', { cluster: { server: 'https://home:6443' } });
    expect((await clusterAccess({ env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, home: dir })).server, 'a kubeconfig wins over the pod').to.equal('https://home:6443');
    const pod = join(dir, 'serviceaccount');
    await mkdir(pod);
    await writeFile(join(pod, 'ca.crt'), CA);
    await writeFile(join(pod, 'token'), 'pod-token\n');
    const nowhere = join(dir, 'nowhere');
    const inCluster = await clusterAccess({ env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, home: nowhere, serviceAccountDir: pod });
    expect(inCluster.server).to.equal('https://[fd00::1]:443');
    expect(await applied(inCluster)).to.deep.equal({ ca: CA, headers: { accept: 'application/json', authorization: 'Bearer pod-token' } });
    expect((await clusterAccess({ env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, home: nowhere, serviceAccountDir: pod })).server).to.equal('https://10.0.0.1:443');
    for (const env of [{}, { KUBERNETES_SERVICE_HOST: '', KUBERNETES_SERVICE_PORT: '443' }, { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '' }, { KUBERNETES_SERVICE_HOST: '10.0.0.1' }]) {
      const error = await clusterAccess({ env, home: nowhere }).then(() => undefined, (failure: unknown) => failure);
      expect(error).to.have.property('message', `no kubeconfig (--kubeconfig, KUBECONFIG or ${join(nowhere, '.kube', 'config')}) and not in a cluster (KUBERNETES_SERVICE_HOST is not set)`);
    }
  });

  it('names what is missing in a broken kubeconfig', async () => {
    const refusal = async (file: string): Promise<unknown> => clusterAccess({ file, env: {} }).then(() => undefined, (failure: unknown) => (failure as Error).message);
    const noContext = await kubeconfig(dir, 'no-context', { context: 'elsewhere' });
    expect(await refusal(noContext)).to.equal(`${noContext}: no context named "elsewhere"`);
    const noServer = await kubeconfig(dir, 'no-server', { cluster: { 'certificate-authority-data': 'eA==' } });
    expect(await refusal(noServer)).to.equal(`${noServer}: cluster "sim" has no server`);
    const empty = join(dir, 'empty');
    await writeFile(empty, '');
    expect(await refusal(empty)).to.equal(`${empty}: no context named undefined`);
    const userless = join(dir, 'userless');
    await writeFile(userless, stringify({ 'current-context': 'c', clusters: [{ name: 'k', cluster: { server: 'https://k:6443' } }], contexts: [{ name: 'c', context: { cluster: 'k' } }] }));
    expect(await applied(await clusterAccess({ file: userless, env: {} })), 'no user: anonymous').to.deep.equal({ headers: { accept: 'application/json' } });
    const bare = join(dir, 'bare');
    await writeFile(bare, stringify({ 'current-context': 'c', clusters: [{ name: 'k' }], users: [{ name: 'u' }], contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }] }));
    expect(await refusal(bare)).to.equal(`${bare}: cluster "k" has no server`);
    const listless = join(dir, 'listless');
    await writeFile(listless, stringify({ 'current-context': 'c', contexts: [{ name: 'c' }] }));
    expect(await refusal(listless)).to.equal(`${listless}: no cluster named undefined`);
  });

  it('hands exec plugins and merged KUBECONFIG lists to client-node, which runs the plugin', async function () {
    this.timeout(20_000);
    const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'exec-token' } });
    const plugin = join(dir, 'plugin.mjs');
    await writeFile(plugin, `process.stdout.write(${JSON.stringify(credential)});\n`);
    const exec = await kubeconfig(dir, 'exec', { user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [plugin], interactiveMode: 'Never' } } });
    const access = await clusterAccess({ file: exec, env: {} });
    expect(access.server).to.equal('https://127.0.0.1:6443');
    // client-node spells the header with a capital A; HTTP does not mind.
    expect((await applied(access)).headers).to.deep.include({ Authorization: 'Bearer exec-token' });
    // kubectl merges the files of the list: here the context and cluster in one, the user in the other.
    const first = join(dir, 'first');
    await writeFile(first, stringify({ 'current-context': 'c', clusters: [{ name: 'k', cluster: { server: 'https://merged:6443' } }], contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }] }));
    const second = join(dir, 'second');
    await writeFile(second, stringify({ users: [{ name: 'u', user: { token: 'merged-token' } }] }));
    const saved = process.env.KUBECONFIG;
    // client-node's loadFromDefault reads the process environment itself.
    process.env.KUBECONFIG = `${first}:${second}`;
    try {
      const merged = await clusterAccess({ env: { KUBECONFIG: `${first}:${second}` } });
      expect(merged.server).to.equal('https://merged:6443');
      expect((await applied(merged)).headers).to.deep.include({ Authorization: 'Bearer merged-token' });
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
    const lost = await kubeconfig(dir, 'lost', { context: 'nowhere' });
    process.env.KUBECONFIG = `${lost}:${second}`;
    try {
      const refused = await clusterAccess({ env: { KUBECONFIG: `${lost}:${second}` } }).then(() => undefined, (failure: unknown) => (failure as Error).message);
      expect(refused).to.equal('the kubeconfig has no current cluster');
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });
});
