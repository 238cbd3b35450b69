/**
 * Help texts, built from the same tables the parser and the config schema use, so `--help` can
 * never list a command or key that does not exist.
 */
import { INIT_DEFAULTS, serviceActions } from './parse.ts';
import type { ServiceDefinition } from '../service.ts';
import { ADMIN_PORT_DEFAULT } from '../config/schema.ts';

const INIT_SUMMARY = 'new barrier unseal key, printed once as shares (see init --help)';
const UNSEAL_SUMMARY = 'send one unseal share to the running service (see unseal --help)';
const BACKUP_SUMMARY = 'write a backup of the database to a new file (see backup --help)';
const RESTORE_SUMMARY = 'fill an empty database from a backup (see restore --help)';

/** A service's default ports: `start` takes public.port and admin.port; `up` gives each admin listener its own. */
function portsOf(service: ServiceDefinition): string {
  return `public port ${String(service.publicPort)}, admin port ${String(ADMIN_PORT_DEFAULT)}; under up ${String(service.publicPort)} and ${String(service.upAdminPort)}`;
}

/**
 * Every command in one block: `cryptoutil --help` prints it and README.md's "The `cryptoutil`
 * command" section holds it word for word (a unit test compares the two).
 */
export const COMMAND_SYNOPSIS: readonly string[] = [
  'cryptoutil up [--data-dir DIR] [--port-offset N] [--config F.yml]...',
  '                                              whole suite in one process, embedded SQLite, local dev PKI',
  'cryptoutil <service> start [--config F.yml]... one service (the container entry point)',
  'cryptoutil <service> start --help             every configuration key with its default',
  'cryptoutil <service> livez|readyz             exit 0 when the admin endpoint answers 200, else 1',
  'cryptoutil <service> shutdown                 ask the running service to drain and exit (sends the admin token)',
  'cryptoutil <service> migrate                  apply database migrations and exit',
  'cryptoutil <service> init [--shares 5 --threshold 3] [--json]',
  '                                              new barrier unseal key, printed once as shares',
  'cryptoutil <service> unseal --share-file F    send one unseal share from file F to the running service',
  'cryptoutil <service> backup --to FILE         write a backup of the database, sealed as it is stored',
  'cryptoutil <service> restore --from FILE      fill an empty database from a backup',
  'cryptoutil operator start [--kubeconfig FILE] the Kubernetes operator (in-cluster or KUBECONFIG)',
  'cryptoutil operator livez|readyz              exit 0 when the operator admin endpoint answers 200, else 1',
  'cryptoutil operator --help                    the operator options and environment',
  'cryptoutil --version                          print the version',
  'cryptoutil --help                             this text; every command also takes --help',
];

/** `cryptoutil --help`. */
export function generalHelp(services: readonly ServiceDefinition[]): string {
  const width = Math.max(10, ...services.map((service) => service.name.length));
  const rows = services.map((service) => `  ${service.name.padEnd(width)}  ${service.summary} (${portsOf(service)})`);
  return [
    'cryptoutil: self-hosted cryptographic services',
    '',
    'Usage:',
    ...COMMAND_SYNOPSIS.map((line) => `  ${line}`),
    '',
    'Actions:',
    ...Object.entries(serviceActions).map(([action, spec]) => `  ${action.padEnd(10)}  ${spec.summary}`),
    '',
    'Services:',
    ...(rows.length === 0 ? ['  (none in this build yet)'] : rows),
    '',
    'Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad configuration.',
    '',
  ].join('\n');
}

/** `cryptoutil up --help`. */
export function upHelp(services: readonly ServiceDefinition[]): string {
  const width = Math.max(10, ...services.map((service) => service.name.length));
  return [
    'Usage: cryptoutil up [--data-dir DIR] [--port-offset N] [--config F.yml]...',
    '',
    'Runs every service in one process for local development: embedded SQLite, a local root CA and',
    'per-service TLS certificates, all kept in DIR (default ./.cryptoutil) and reused by the next run.',
    'Writes DIR/credentials.json (mode 0600) and prints the URLs. Ctrl-C stops it cleanly.',
    'Services with a barrier start unsealed: their unseal shares are kept in DIR/unseal/, a',
    'development convenience; in production the shares are kept apart from the data.',
    'Each service\'s admin token (for shutdown, unseal, seal, rotations) is kept in DIR/admin/<service>.token.',
    ...(services.some((service) => service.upSignInClient !== undefined)
      ? ['credentials.json also has sign_in_url (identity-rp\'s /bff/login, its client registered by up at the',
        'authorization server): open it in a browser and sign in as the admin user credentials.json names.']
      : []),
    '',
    'Options:',
    '  --data-dir DIR     where the data, certificates and credentials live',
    '  --port-offset N    move every public and admin port by N (e.g. 1000: sm-kms on 9080 and 10090),',
    '                     to run beside another suite; URLs and credentials.json follow',
    '  -c, --config F.yml configuration for every service, applied in order; a `services:` section',
    '                     holds keys for one service (`services: { sm-kms: { log: { level: info } } }`).',
    '                     Ports, TLS, database and data paths stay those of up (docs/configuration.md)',
    '  -h, --help         this text',
    '',
    'Ports (public, admin) with no offset:',
    ...(services.length === 0
      ? ['  (no services in this build yet)']
      : services.map((service) => `  ${service.name.padEnd(width)}  ${String(service.publicPort)}  ${String(service.upAdminPort)}`)),
    '',
  ].join('\n');
}

/** `cryptoutil <service> --help`. */
export function serviceHelp(service: ServiceDefinition): string {
  return [
    `Usage: cryptoutil ${service.name} <action> [--config F.yml]...`,
    '',
    `${service.summary}.`,
    `Default ports: public ${String(service.publicPort)} (public.port), admin ${String(ADMIN_PORT_DEFAULT)} (admin.port); under \`cryptoutil up\` ${String(service.publicPort)} and ${String(service.upAdminPort)}.`,
    '',
    'Actions:',
    ...Object.entries(serviceActions).map(([action, spec]) => `  ${action.padEnd(10)}  ${spec.summary}`),
    `  ${'backup'.padEnd(10)}  ${BACKUP_SUMMARY}`,
    `  ${'restore'.padEnd(10)}  ${RESTORE_SUMMARY}`,
    ...(service.barrier === true ? [`  ${'init'.padEnd(10)}  ${INIT_SUMMARY}`, `  ${'unseal'.padEnd(10)}  ${UNSEAL_SUMMARY}`] : []),
    '',
    `Configuration: defaults, then each --config YAML file in order, then CRYPTOUTIL_* environment`,
    `variables. \`cryptoutil ${service.name} start --help\` lists every key.`,
    '',
  ].join('\n');
}

/** `cryptoutil <service> init --help`. */
export function initHelp(service: ServiceDefinition): string {
  return [
    `Usage: cryptoutil ${service.name} init [--shares ${INIT_DEFAULTS.shares}] [--threshold ${INIT_DEFAULTS.threshold}] [--json]`,
    '',
    'Creates a new unseal key for the barrier and prints it once, split into Shamir shares; any',
    'threshold of them rebuild the key. Nothing is stored and no database is touched: the first',
    'unseal of an empty database initializes the barrier under the key these shares rebuild.',
    '',
    'Options:',
    `  --shares N      how many shares to print (2 to 255, default ${INIT_DEFAULTS.shares})`,
    `  --threshold T   how many shares rebuild the key (2 to N, default ${INIT_DEFAULTS.threshold})`,
    '  --json          print {"shares":[...],"threshold":T} only',
    '  -h, --help      this text',
    '',
  ].join('\n');
}

/** `cryptoutil <service> unseal --help`. */
export function unsealHelp(service: ServiceDefinition): string {
  return [
    `Usage: cryptoutil ${service.name} unseal --share-file F [--config F.yml]...`,
    '',
    'Sends the one unseal share held in file F (as printed by init, a trailing newline is fine) to',
    'the running service through POST /admin/v1/unseal, and prints how many shares are still needed.',
    'The request carries the admin token: admin.token when configured, else {dataDir}/admin.token,',
    'which the service writes at start; the same --config files as the service find both.',
    '',
    'Options:',
    '  --share-file F    file holding one share; only its owner should be able to read it',
    '  -c, --config F.yml the service\'s configuration (admin.address, admin.port, dataDir, admin.token)',
    '  -h, --help        this text',
    '',
    'Exit codes: 0 accepted, 1 refused or not reachable, 2 bad usage, unreadable file or no admin token.',
    '',
  ].join('\n');
}

/** `cryptoutil <service> backup --help`. */
export function backupHelp(service: ServiceDefinition): string {
  return [
    `Usage: cryptoutil ${service.name} backup --to FILE [--config F.yml]...`,
    '',
    'Writes a backup of the database that database.url names to FILE, which must not exist yet.',
    'SQLite: a consistent copy taken while the service runs (VACUUM INTO); the file is a SQLite',
    'database. PostgreSQL: pg_dump --format=custom (the PostgreSQL client tools must be installed).',
    'The backup holds what the database holds: keys wrapped by the barrier, secrets hashed. It is',
    'as safe to keep as the database, and of no use without the unseal shares.',
    '',
    'Options:',
    '  --to FILE          where to write the backup',
    '  -c, --config F.yml the service\'s configuration (database.url)',
    '  -h, --help         this text',
    '',
  ].join('\n');
}

/** `cryptoutil <service> restore --help`. */
export function restoreHelp(service: ServiceDefinition): string {
  return [
    `Usage: cryptoutil ${service.name} restore --from FILE [--config F.yml]...`,
    '',
    'Fills the database that database.url names from a backup written by backup, with the service',
    'stopped. The database must be empty (for SQLite it may also not exist yet) and of the same',
    'kind as the backup; otherwise nothing is changed. Start the service afterwards and unseal it',
    'with the shares it had when the backup was taken.',
    '',
    'Options:',
    '  --from FILE        the backup to restore',
    '  -c, --config F.yml the service\'s configuration (database.url)',
    '  -h, --help         this text',
    '',
  ].join('\n');
}
