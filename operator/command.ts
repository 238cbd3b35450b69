/**
 * `cryptoutil operator start|livez|readyz`: the operator's container entry point and its exec
 * probes. Kept apart from the service commands because the operator has no service config: it is
 * configured by flags and by the pod's environment (POD_NAMESPACE, POD_NAME from the downward API).
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../services/template/errors/index.ts';
import type { CliContext } from '../services/template/cli/main.ts';
import { callAdmin } from '../services/template/cli/admin-client.ts';
import { OPERATOR_ADMIN_PORT, OPERATOR_DATA_DIR, startOperator } from './main.ts';
import type { OperatorOptions } from './main.ts';
import { parseAllowedImages } from './guards/index.ts';
import { parseResolveList, type ResolveList } from './controllers/service-fetch.ts';
import type { LogLevel } from '../services/template/config/schema.ts';
import type { MetricsListen } from './metrics-listener.ts';

const LOG_LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function isLogLevel(value: string): value is LogLevel {
  return LOG_LEVELS.includes(value);
}

type OperatorAction = 'start' | 'livez' | 'readyz';

interface Flags {
  readonly kubeconfig?: string;
  readonly dataDir: string;
  readonly adminPort: number;
}

/** One line per action; the order is the order of the help text. */
export const operatorActions: Readonly<Record<OperatorAction, string>> = {
  start: 'run the operator (the operator container entry point)',
  livez: 'exit 0 when the operator admin livez endpoint answers 200, else 1',
  readyz: 'exit 0 when the operator admin readyz endpoint answers 200, else 1',
};

/** `cryptoutil operator --help`. */
export function operatorHelp(): string {
  const actions = Object.entries(operatorActions).map(([name, summary]) => `  ${name.padEnd(8)}${summary}`).join('\n');
  return [
    'Usage: cryptoutil operator <action> [--kubeconfig FILE] [--data-dir DIR] [--admin-port N]',
    '',
    'Actions:',
    actions,
    '',
    'Options:',
    '  --kubeconfig FILE  kubeconfig to use; default KUBECONFIG, ~/.kube/config or the in-cluster service account',
    `  --data-dir DIR     where the admin listener keeps its local CA (default ${OPERATOR_DATA_DIR})`,
    `  --admin-port N     loopback admin port (default ${String(OPERATOR_ADMIN_PORT)})`,
    '',
    'Environment: CRYPTOUTIL_LEADER_ELECTION_NAMESPACE (namespace of the leader Lease, one per cluster; default',
    'POD_NAMESPACE), POD_NAME (identity in the Lease), CRYPTOUTIL_WATCH_NAMESPACES (comma-separated namespaces',
    'to watch; empty: every namespace),',
    'CRYPTOUTIL_IMAGE and CRYPTOUTIL_POSTGRES_IMAGE (images deployed when a resource names none),',
    'CRYPTOUTIL_ALLOWED_IMAGES (comma-separated entries spec.image must match; default cryptoutil:dev),',
    'CRYPTOUTIL_OPERATOR_RESOLVE (host:port=address:port,... : reach services at other addresses, for an operator',
    'run outside the cluster), CRYPTOUTIL_METRICS_PORT and CRYPTOUTIL_METRICS_ADDRESS (default 0.0.0.0): serve',
    'GET /metrics over HTTPS there for Prometheus (none when unset), CRYPTOUTIL_LOG_LEVEL (default info).',
    '',
  ].join('\n');
}

function isAction(value: string): value is OperatorAction {
  return Object.hasOwn(operatorActions, value);
}

function parseFlags(args: readonly string[]): Flags & { help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { kubeconfig: { type: 'string' }, 'data-dir': { type: 'string' }, 'admin-port': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  const port = values['admin-port'] ?? String(OPERATOR_ADMIN_PORT);
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65_535) {
    throw new UsageError('--admin-port must be a port number');
  }
  return {
    ...(values.kubeconfig === undefined ? {} : { kubeconfig: values.kubeconfig }),
    dataDir: values['data-dir'] ?? OPERATOR_DATA_DIR,
    adminPort: Number(port),
    help: values.help === true,
  };
}

async function probe(path: string, flags: Flags, context: CliContext): Promise<number> {
  try {
    const ca = await readFile(join(flags.dataDir, 'tls', 'ca.crt'), 'utf8');
    const answer = await callAdmin({ address: '127.0.0.1', port: flags.adminPort, ca }, 'GET', path);
    context.stdout(`${answer.body}\n`);
    return answer.status === 200 ? 0 : 1;
  } catch (error) {
    context.stderr(`cryptoutil: operator admin endpoint not reachable: ${(error as Error).message}\n`);
    return 1;
  }
}

function resolveListOf(text: string): ResolveList {
  try {
    return parseResolveList(text);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A namespace name: an RFC 1123 label. */
const NAMESPACE = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/u;

/** CRYPTOUTIL_WATCH_NAMESPACES: comma-separated namespaces; empty means every namespace. */
function watchNamespacesOf(text: string): string[] {
  const namespaces = text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  const invalid = namespaces.find((entry) => !NAMESPACE.test(entry));
  if (invalid !== undefined) {
    throw new UsageError(`CRYPTOUTIL_WATCH_NAMESPACES: "${invalid}" is not a namespace name`);
  }
  return namespaces;
}

/** CRYPTOUTIL_METRICS_PORT (the chart's `metrics.port`) on CRYPTOUTIL_METRICS_ADDRESS, every IPv4 address by default. */
function metricsListenOf(port: string, address = '0.0.0.0'): MetricsListen {
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65_535) {
    throw new UsageError('CRYPTOUTIL_METRICS_PORT must be a port number');
  }
  return { address, port: Number(port) };
}

function operatorOptions(flags: Flags, env: CliContext['env']): OperatorOptions {
  const logLevel = env.CRYPTOUTIL_LOG_LEVEL ?? 'info';
  if (!isLogLevel(logLevel)) {
    throw new UsageError(`CRYPTOUTIL_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const images = {
    ...(env.CRYPTOUTIL_IMAGE === undefined ? {} : { service: env.CRYPTOUTIL_IMAGE }),
    ...(env.CRYPTOUTIL_POSTGRES_IMAGE === undefined ? {} : { postgres: env.CRYPTOUTIL_POSTGRES_IMAGE }),
  };
  return {
    ...(flags.kubeconfig === undefined ? {} : { kubeconfig: flags.kubeconfig }),
    dataDir: flags.dataDir,
    adminPort: flags.adminPort,
    namespace: env.CRYPTOUTIL_LEADER_ELECTION_NAMESPACE ?? env.POD_NAMESPACE ?? 'default',
    watchNamespaces: watchNamespacesOf(env.CRYPTOUTIL_WATCH_NAMESPACES ?? ''),
    identity: env.POD_NAME ?? hostname(),
    images,
    ...(env.CRYPTOUTIL_ALLOWED_IMAGES === undefined ? {} : { allowedImages: parseAllowedImages(env.CRYPTOUTIL_ALLOWED_IMAGES) }),
    ...(env.CRYPTOUTIL_OPERATOR_RESOLVE === undefined ? {} : { resolve: resolveListOf(env.CRYPTOUTIL_OPERATOR_RESOLVE) }),
    ...(env.CRYPTOUTIL_METRICS_PORT === undefined ? {} : { metrics: metricsListenOf(env.CRYPTOUTIL_METRICS_PORT, env.CRYPTOUTIL_METRICS_ADDRESS) }),
    logLevel,
  };
}

const runners: Readonly<Record<OperatorAction, (flags: Flags, context: CliContext) => Promise<number>>> = {
  async start(flags, context) {
    const running = await startOperator(operatorOptions(flags, context.env));
    const removeSignal = context.onSignal((signal) => { void running.stop(signal); });
    context.stdout(`operator started (admin ${running.adminUrl})\n`);
    await running.stopped;
    removeSignal();
    return 0;
  },
  livez: (flags, context) => probe('/admin/v1/livez', flags, context),
  readyz: (flags, context) => probe('/admin/v1/readyz', flags, context),
};

/** Runs `cryptoutil operator …` with argv after `operator`; usage errors throw UsageError (exit 2). */
export async function runOperatorCommand(args: readonly string[], context: CliContext): Promise<number> {
  const [action, ...rest] = args;
  if (action === undefined || action === '--help' || action === '-h') {
    context.stdout(operatorHelp());
    return 0;
  }
  if (!isAction(action)) {
    throw new UsageError(`unknown action "${action}" for operator; actions: ${Object.keys(operatorActions).join(', ')}`);
  }
  const flags = parseFlags(rest);
  if (flags.help) {
    context.stdout(operatorHelp());
    return 0;
  }
  return runners[action](flags, context);
}
