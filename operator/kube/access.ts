/**
 * Where the API server is and how to prove who we are to it: from a kubeconfig file or from the
 * pod's service account, found in the order kubectl and client-go use (an explicit file, then
 * KUBECONFIG, then ~/.kube/config, then the in-cluster service account).
 *
 * The common cases are read here: a server with its CA, a bearer token (inline or a file read
 * again every minute, as bound service-account tokens rotate) and client certificates. Anything
 * else a kubeconfig can ask for (exec plugins, auth providers, proxies, several merged files) is
 * handed to @kubernetes/client-node, loaded only then: its generated API models alone take about
 * 90 MB of memory, more than the rest of the operator together.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { OutgoingHttpHeaders } from 'node:http';
import type https from 'node:https';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';

export interface ClusterAccess {
  /** The API server's base URL. */
  readonly server: string;
  /** Adds the trusted CA, the client certificate and the credentials to a request. */
  apply(options: https.RequestOptions): Promise<void>;
}

/** Where Kubernetes mounts a pod's service-account token and the cluster CA. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A token file is read again this often, as client-go does: kubelet rotates bound tokens. */
export const TOKEN_REREAD_MS = 60_000;

export interface AccessOptions {
  /** A kubeconfig file named by the user (`--kubeconfig`); it wins over everything else. */
  readonly file?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly home?: string;
  readonly serviceAccountDir?: string;
  /** Clock for the token file cache, in ms. */
  readonly now?: () => number;
}

type Fields = Readonly<Record<string, unknown>>;

interface Named {
  readonly name?: unknown;
  readonly cluster?: Fields;
  readonly user?: Fields;
  readonly context?: Fields;
}

const CLUSTER_FIELDS = new Set(['server', 'certificate-authority', 'certificate-authority-data', 'insecure-skip-tls-verify', 'tls-server-name', 'extensions']);
const USER_FIELDS = new Set(['token', 'tokenFile', 'client-certificate', 'client-certificate-data', 'client-key', 'client-key-data', 'extensions']);

/** Finds the API server and credentials the way kubectl would. */
export async function clusterAccess(options: AccessOptions = {}): Promise<ClusterAccess> {
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  if (options.file !== undefined) {
    return fromKubeconfig(options.file, now);
  }
  const listed = (env.KUBECONFIG ?? '').split(':').filter((path) => path !== '');
  if (listed.length > 1) {
    // kubectl merges several files; client-node knows how.
    return viaClientNode(undefined);
  }
  const file = listed[0] ?? join(options.home ?? homedir(), '.kube', 'config');
  if (existsSync(file)) {
    return fromKubeconfig(file, now);
  }
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (host !== undefined && host !== '' && port !== undefined && port !== '') {
    return inCluster(host, port, options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR, now);
  }
  throw new Error(`no kubeconfig (--kubeconfig, KUBECONFIG or ${file}) and not in a cluster (KUBERNETES_SERVICE_HOST is not set)`);
}

/** The pod's own service account: the cluster CA and a token file kubelet keeps fresh. */
async function inCluster(host: string, port: string, dir: string, now: () => number): Promise<ClusterAccess> {
  const ca = await readFile(join(dir, 'ca.crt'), 'utf8');
  const token = tokenFile(join(dir, 'token'), now);
  // An IPv6 service address needs brackets in a URL.
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    server,
    apply: async (options) => {
      options.ca = ca;
      authorize(options, await token());
    },
  };
}

/** Adds `Authorization: Bearer` to the request's headers, in whichever of Node's two forms they are. */
function authorize(options: https.RequestOptions, token: string): void {
  const { headers } = options;
  const value = `Bearer ${token}`;
  options.headers = Array.isArray(headers) ? [...(headers as string[]), 'authorization', value] : { ...(headers as OutgoingHttpHeaders | undefined), authorization: value };
}

/** A token read from `path`, again once it is older than TOKEN_REREAD_MS. */
function tokenFile(path: string, now: () => number): () => Promise<string> {
  let cached: { value: string; readAt: number } | undefined;
  return async () => {
    if (cached === undefined || now() - cached.readAt >= TOKEN_REREAD_MS) {
      cached = { value: (await readFile(path, 'utf8')).trim(), readAt: now() };
    }
    return cached.value;
  };
}

function entry(list: unknown, name: unknown, kind: string, file: string): Named {
  const found = Array.isArray(list) ? (list as Named[]).find((item) => item.name === name) : undefined;
  if (found === undefined) {
    throw new Error(`${file}: no ${kind} named ${JSON.stringify(name)}`);
  }
  return found;
}

function text(fields: Fields, key: string): string | undefined {
  const value = fields[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Inline `*-data` (base64) or a file relative to the kubeconfig, as kubectl reads them. */
async function material(fields: Fields, key: string, base: string): Promise<string | undefined> {
  const data = text(fields, `${key}-data`);
  if (data !== undefined) {
    return Buffer.from(data, 'base64').toString('utf8');
  }
  const path = text(fields, key);
  return path === undefined ? undefined : readFile(resolve(base, path), 'utf8');
}

async function fromKubeconfig(file: string, now: () => number): Promise<ClusterAccess> {
  const document = (parse(await readFile(file, 'utf8')) ?? {}) as Fields;
  const context = entry(document.contexts, document['current-context'], 'context', file).context ?? {};
  const cluster = entry(document.clusters, context.cluster, 'cluster', file).cluster ?? {};
  const user = context.user === undefined ? {} : (entry(document.users, context.user, 'user', file).user ?? {});
  const unusual = [...Object.keys(cluster).filter((key) => !CLUSTER_FIELDS.has(key)), ...Object.keys(user).filter((key) => !USER_FIELDS.has(key))];
  if (unusual.length > 0) {
    // exec plugins, auth providers, proxies, impersonation: client-node's to handle.
    return viaClientNode(file);
  }
  const server = text(cluster, 'server');
  if (server === undefined) {
    throw new Error(`${file}: cluster ${JSON.stringify(context.cluster)} has no server`);
  }
  const base = dirname(resolve(file));
  const [ca, cert, key] = await Promise.all([material(cluster, 'certificate-authority', base), material(user, 'client-certificate', base), material(user, 'client-key', base)]);
  const inline = text(user, 'token');
  const fromFile = text(user, 'tokenFile');
  const token = inline === undefined ? (fromFile === undefined ? undefined : tokenFile(resolve(base, fromFile), now)) : () => Promise.resolve(inline);
  const serverName = text(cluster, 'tls-server-name');
  const insecure = cluster['insecure-skip-tls-verify'] === true;
  return {
    server,
    apply: async (options) => {
      if (ca !== undefined) options.ca = ca;
      if (cert !== undefined) options.cert = cert;
      if (key !== undefined) options.key = key;
      if (serverName !== undefined) options.servername = serverName;
      if (insecure) options.rejectUnauthorized = false;
      if (token !== undefined) authorize(options, await token());
    },
  };
}

/** client-node for what is not read here; loaded only in that case. */
async function viaClientNode(file: string | undefined): Promise<ClusterAccess> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const config = new KubeConfig();
  if (file === undefined) {
    config.loadFromDefault();
  } else {
    config.loadFromFile(file);
  }
  const cluster = config.getCurrentCluster();
  if (cluster === null) {
    throw new Error('the kubeconfig has no current cluster');
  }
  return { server: cluster.server, apply: (options) => config.applyToHTTPSOptions(options) };
}
