/**
 * `cryptoutil up`: the whole suite in one process for a laptop. One data directory holds a SQLite
 * file per service, the local root CA with a certificate per service, and `credentials.json`;
 * a second run reuses all of it.
 */
import { mkdir, writeFile, chmod } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ServiceDefinition, UpSuite } from '../service.ts';
import { loadServiceConfig } from './service-config.ts';
import { ensureLocalCa } from '../tls/index.ts';
import { startService, type RunningService } from '../runtime.ts';
import { unsealDirectory, upUnsealShares } from './up-unseal.ts';
import { adminTokensDirectory, secretsDirectory, upAdminToken, upSecret } from './up-secrets.ts';
import { movedPort } from './parse.ts';
import { PortInUseError } from '../server/port-in-use.ts';
import { layersFor, readUpConfig, wiredKeyProblems } from './up-config.ts';
import { UsageError } from '../errors/index.ts';
import type { ConfigLayer, TemplateConfig } from '../config/index.ts';

/** What to do when a port of the suite is taken, typically by a suite already running. */
const UP_PORT_REMEDY = 'is another suite running? run cryptoutil up --port-offset N (e.g. 1000) to move every port by N';

/** DESIGN "The cryptoutil command": the confidential client `up` creates. */
export const DEMO_CLIENT_ID = 'cryptoutil-demo';

export interface UpOptions {
  readonly dataDir: string;
  readonly services: readonly ServiceDefinition[];
  /** `--port-offset N`: every public and admin port of the suite moves by N (default 0). */
  readonly portOffset?: number;
  /** `--config F.yml` files for the whole suite, in order (`up-config.ts`). */
  readonly configFiles?: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly onSignal: (handler: (signal: string) => void) => () => void;
  /** Called once every service is ready and the table is printed. */
  readonly started?: () => void;
}

export interface Suite {
  readonly dataDir: string;
  readonly credentialsFile: string;
  readonly caFile: string;
  readonly services: readonly RunningService[];
  /** Stops every service, last started first. */
  stop(): Promise<void>;
}

/** The `credentials.json` contract (DESIGN "The cryptoutil command"). */
export interface Credentials {
  readonly issuer: string | null;
  readonly token_endpoint: string | null;
  readonly client_id: string | null;
  readonly client_secret: string | null;
  readonly ca_file: string;
  readonly services: Readonly<Record<string, { readonly url: string; readonly admin_url: string }>>;
  /** identity-idp's administrator (the built-in `admin` group), when the suite has identity-idp. */
  readonly admin?: { readonly username: string; readonly password: string };
  /** identity-rp's `/bff/login`: a browser opened there signs in (as `admin`) through identity-idp, when the suite has identity-rp. */
  readonly sign_in_url?: string;
  /** identity-spa's URL: the browser console a person opens first, when the suite has identity-spa. */
  readonly console_url?: string;
  /** pki-ca's issuing CA and its URLs (chain, root, CRL, OCSP, TSA, ACME, EST), when the suite has pki-ca. */
  readonly pki?: Readonly<Record<string, string>>;
}

/** The suite as its services see it; URLs carry the moved ports, so issuer, CORS origins and links follow `--port-offset`. */
function suiteOf(dataDir: string, services: readonly ServiceDefinition[], portOffset: number): UpSuite {
  const byName = new Map(services.map((service) => [service.name, service]));
  const suite: UpSuite = {
    dataDir,
    publicUrl: (name) => {
      const service = byName.get(name);
      if (service === undefined) throw new Error(`${name} is not part of this suite`);
      return `https://127.0.0.1:${String(movedPort(service.publicPort, portOffset))}`;
    },
    secret: (name) => upSecret(dataDir, name),
    demoClientId: DEMO_CLIENT_ID,
    signInClients: async () => {
      const clients = [];
      for (const service of services) {
        if (service.upSignInClient !== undefined) clients.push(await service.upSignInClient(suite));
      }
      return clients;
    },
  };
  return suite;
}

async function overridesFor(service: ServiceDefinition, suite: UpSuite, issuer: ServiceDefinition | undefined, portOffset: number): Promise<Record<string, unknown>> {
  const { dataDir } = suite;
  return {
    // The suite starts unsealed: the shares kept in DIR/unseal/ are applied as configuration.
    ...(service.barrier === true ? { barrier: await upUnsealShares(dataDir, service.name) } : {}),
    ...(service.hash === true ? { hash: { pepper: await suite.secret(`${service.name}.pepper`) } } : {}),
    // Every service trusts the suite's own authorization server.
    ...(issuer === undefined ? {} : { auth: { issuer: suite.publicUrl(issuer.name) } }),
    public: { address: '127.0.0.1', port: movedPort(service.publicPort, portOffset) },
    admin: { address: '127.0.0.1', port: movedPort(service.upAdminPort, portOffset), token: await upAdminToken(dataDir, service.name) },
    tls: { mode: 'auto' },
    database: { url: `sqlite:${join(dataDir, `${service.name}.sqlite`)}` },
    dataDir,
    ...(await service.upConfig?.(suite)),
  };
}

/** Below the files: service logs would bury the URL table; a file or CRYPTOUTIL_LOG_LEVEL still raises them. */
/** A service of the suite with the configuration it will start with. */
interface Planned {
  readonly service: ServiceDefinition;
  readonly config: TemplateConfig;
}

const UP_DEFAULTS: ConfigLayer = { source: 'cryptoutil up', values: { log: { level: 'warn' } } };

/**
 * Every service's configuration, checked before any service starts, so that a bad `--config`
 * file stops `up` at once with every problem listed (each only once, though it touches every service).
 */
async function configsOf(options: Omit<UpOptions, 'onSignal'>, suite: UpSuite, issuer: ServiceDefinition | undefined, portOffset: number): Promise<readonly Planned[]> {
  const files = readUpConfig(options.configFiles ?? [], options.services);
  const problems = new Set<string>();
  const configs: Planned[] = [];
  for (const service of options.services) {
    const overrides = await overridesFor(service, suite, issuer, portOffset);
    const layers = [UP_DEFAULTS, ...layersFor(files, service.name)];
    for (const line of wiredKeyProblems(layers, overrides)) problems.add(line);
    try {
      configs.push({ service, config: loadServiceConfig(service, [], options.env, overrides, layers) });
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      for (const line of error.message.split('\n')) problems.add(line);
    }
  }
  if (problems.size > 0) throw new UsageError([...problems].join('\n'));
  return configs;
}

/** The authorization server part of `credentials.json`, when the suite has one. */
async function clientCredentials(suite: UpSuite, issuer: ServiceDefinition | undefined): Promise<Pick<Credentials, 'issuer' | 'token_endpoint' | 'client_id' | 'client_secret'>> {
  if (issuer === undefined) return { issuer: null, token_endpoint: null, client_id: null, client_secret: null };
  const url = suite.publicUrl(issuer.name);
  return { issuer: url, token_endpoint: `${url}/token`, client_id: DEMO_CLIENT_ID, client_secret: await suite.secret(DEMO_CLIENT_ID) };
}

function urlTable(services: readonly RunningService[]): string {
  const width = Math.max(8, ...services.map((service) => service.name.length));
  const urlWidth = Math.max(10, ...services.map((service) => service.publicUrl.length));
  const header = `  ${'service'.padEnd(width)}  ${'public URL'.padEnd(urlWidth)}  admin URL`;
  const rows = services.map((service) => `  ${service.name.padEnd(width)}  ${service.publicUrl.padEnd(urlWidth)}  ${service.adminUrl}`);
  return [header, ...rows].join('\n');
}

/** Starts every service with its data under `dataDir`; stops those already started if one fails. */
export async function startSuite(options: Omit<UpOptions, 'onSignal'>): Promise<Suite> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const ca = await ensureLocalCa(dataDir);
  const portOffset = options.portOffset ?? 0;
  const suite = suiteOf(dataDir, options.services, portOffset);
  const issuer = options.services.find((service) => service.issuesTokens === true);
  const running: RunningService[] = [];
  const stop = async (): Promise<void> => {
    for (const service of [...running].reverse()) {
      await service.stop('suite stopping');
    }
  };
  const planned = await configsOf(options, suite, issuer, portOffset);
  try {
    for (const [index, { service, config }] of planned.entries()) {
      options.stdout(`[${index + 1}/${planned.length}] starting ${service.name} ...`);
      running.push(await startService(service, config));
      options.stdout(' ready\n');
    }
  } catch (error) {
    options.stdout(' failed\n');
    await stop();
    // Under up the ports are up's own: only --port-offset moves them, not public.port / admin.port.
    throw error instanceof PortInUseError ? new PortInUseError(error.taken, UP_PORT_REMEDY, error.cause) : error;
  }

  const extras: Record<string, unknown>[] = [];
  for (const service of options.services) extras.push(await service.upCredentials?.(suite) ?? {});
  const credentials: Credentials = {
    ...await clientCredentials(suite, issuer),
    ca_file: ca.certFile,
    services: Object.fromEntries(running.map((service) => [service.name, { url: service.publicUrl, admin_url: service.adminUrl }])),
    ...Object.assign({}, ...extras) as Partial<Credentials>,
  };
  const credentialsFile = join(dataDir, 'credentials.json');
  await writeFile(credentialsFile, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(credentialsFile, 0o600);
  return { dataDir, credentialsFile, caFile: ca.certFile, services: running, stop };
}

/** Runs the suite until SIGINT or SIGTERM, then stops it cleanly. */
export async function runUp(options: UpOptions): Promise<number> {
  const suite = await startSuite(options);
  // Listen before saying "Press Ctrl-C": a signal that came between the two would kill the process
  // without a drain. Signal listeners do not keep the event loop alive; with no listener open (a
  // build with no services yet) this timer does, until the signal arrives.
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  const signalled = new Promise<void>((resolveSignal) => {
    const remove = options.onSignal(() => {
      remove();
      resolveSignal();
    });
  });
  options.stdout([
    '',
    suite.services.length === 0 ? '  no services in this build yet' : urlTable(suite.services),
    '',
    `  data directory   ${suite.dataDir}`,
    `  CA certificate   ${suite.caFile}`,
    `  credentials      ${suite.credentialsFile} (development only: keep it private)`,
    ...(options.services.length === 0 ? [] : [`  admin tokens     ${adminTokensDirectory(suite.dataDir)} (one per service: the bearer token its state-changing admin endpoints require)`]),
    ...(options.services.some((service) => service.barrier === true)
      ? [`  unseal shares    ${unsealDirectory(suite.dataDir)} (kept beside the data as a development convenience; production keeps them apart)`]
      : []),
    ...(options.services.some((service) => service.hash === true || service.issuesTokens === true)
      ? [`  secrets          ${secretsDirectory(suite.dataDir)} (peppers, the demo client's secret and sign-in clients' secrets; development only)`]
      : []),
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n'));
  options.started?.();
  await signalled;
  clearInterval(keepAlive);
  options.stdout('stopping ...\n');
  await suite.stop();
  options.stdout('stopped\n');
  return 0;
}
