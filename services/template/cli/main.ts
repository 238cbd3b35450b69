/**
 * `cryptoutil` without the process: argv and a context in, an exit code out. The thin entry
 * point (`services/cli.ts`) supplies the real streams, environment, signals and service list.
 */
import { UsageError } from '../errors/index.ts';
import type { ServiceDefinition } from '../service.ts';
import type { TemplateConfig } from '../config/schema.ts';
import { configHelp } from '../config/index.ts';
import { loadServiceConfig, schemaOptionsOf } from './service-config.ts';
import { trustedCa } from '../tls/index.ts';
import { openDatabase } from '../database/index.ts';
import { backupDatabase, restoreDatabase } from '../database/backup.ts';
import { startService } from '../runtime.ts';
import { version } from '../version.ts';
import { parseCommand, type Command, type FileArguments, type ServiceAction } from './parse.ts';
import { backupHelp, generalHelp, initHelp, restoreHelp, serviceHelp, unsealHelp, upHelp } from './help.ts';
import { runInit } from './init-command.ts';
import { callAdmin } from './admin-client.ts';
import { runShutdown, runUnseal } from './admin-command.ts';
import { runUp } from './up.ts';

/** A command the composition root adds beside the services' own (the operator's): argv after its name in, an exit code out. */
export type CliCommand = (args: readonly string[], context: CliContext) => Promise<number>;

export interface CliContext {
  readonly services: readonly ServiceDefinition[];
  /** Commands that are not services, by first argument (`operator`); the template knows none of them. */
  readonly commands?: Readonly<Record<string, CliCommand>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Registers a handler for SIGTERM and SIGINT; returns a function that removes it. */
  readonly onSignal: (handler: (signal: string) => void) => () => void;
  /** Called once the services of `start` or `up` are ready (the process gives back start-up memory). */
  readonly started?: () => void;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

type ActionRunner = (service: ServiceDefinition, config: TemplateConfig, context: CliContext) => Promise<number>;

async function probe(path: string, config: TemplateConfig, context: CliContext): Promise<number> {
  try {
    const answer = await callAdmin({ address: config.admin.address, port: config.admin.port, ca: trustedCa(config) }, 'GET', path);
    context.stdout(`${answer.body}\n`);
    return answer.status === 200 ? EXIT_OK : EXIT_FAILURE;
  } catch (error) {
    context.stderr(`cryptoutil: admin endpoint not reachable: ${(error as Error).message}\n`);
    return EXIT_FAILURE;
  }
}

/** One runner per action: adding an action adds a row here and one in parse.ts. */
const actionRunners: Readonly<Record<ServiceAction, ActionRunner>> = {
  async start(service, config, context) {
    const running = await startService(service, config);
    const removeSignal = context.onSignal((signal) => { void running.stop(signal); });
    context.stdout(`${service.name} listening on ${running.publicUrl} (admin ${running.adminUrl})\n`);
    context.started?.();
    await running.stopped;
    removeSignal();
    return EXIT_OK;
  },
  livez: (_service, config, context) => probe('/admin/v1/livez', config, context),
  readyz: (_service, config, context) => probe('/admin/v1/readyz', config, context),
  shutdown: (_service, config, context) => runShutdown(config, context),
  async migrate(service, config, context) {
    const database = await openDatabase({
      url: config.database.url,
      entities: service.entities,
      migrations: service.migrations,
      dataDir: config.dataDir,
    });
    try {
      const applied = await database.migrate();
      context.stdout(applied.length === 0 ? 'database is up to date\n' : `applied: ${applied.join(', ')}\n`);
      return EXIT_OK;
    } finally {
      await database.close();
    }
  },
};

async function run(command: Command, context: CliContext): Promise<number> {
  switch (command.kind) {
    case 'help':
      context.stdout(generalHelp(context.services));
      return EXIT_OK;
    case 'up-help':
      context.stdout(upHelp(context.services));
      return EXIT_OK;
    case 'service-help':
      context.stdout(serviceHelp(command.service));
      return EXIT_OK;
    case 'version':
      context.stdout(`cryptoutil ${version}\n`);
      return EXIT_OK;
    case 'up':
      return runUp({ dataDir: command.dataDir, portOffset: command.portOffset, configFiles: command.configFiles, services: context.services, env: context.env, stdout: context.stdout, onSignal: context.onSignal, ...(context.started === undefined ? {} : { started: context.started }) });
    case 'service':
      return runServiceAction(command, context);
    case 'init-help':
      context.stdout(initHelp(command.service));
      return EXIT_OK;
    case 'init':
      await runInit(command, context.stdout);
      return EXIT_OK;
    case 'unseal-help':
      context.stdout(unsealHelp(command.service));
      return EXIT_OK;
    case 'unseal':
      return runUnseal(loadServiceConfig(command.service, command.configFiles, context.env), command.shareFile, context);
    case 'backup-help':
      context.stdout(backupHelp(command.service));
      return EXIT_OK;
    case 'restore-help':
      context.stdout(restoreHelp(command.service));
      return EXIT_OK;
    case 'backup':
    case 'restore':
      return runFileAction(command, context);
  }
}

/** `backup --to F` and `restore --from F`, on the database the service's configuration names. */
async function runFileAction(command: FileArguments, context: CliContext): Promise<number> {
  const config = loadServiceConfig(command.service, command.configFiles, context.env);
  const options = { url: config.database.url, file: command.file };
  if (command.kind === 'backup') {
    const written = await backupDatabase(options);
    context.stdout(`${command.service.name}: ${written.engine} backup written to ${command.file} (${String(written.bytes)} bytes)\n`);
  } else {
    await restoreDatabase(options);
    context.stdout(`${command.service.name}: database restored from ${command.file}; start the service and unseal it with the shares it had\n`);
  }
  return EXIT_OK;
}

async function runServiceAction(command: Extract<Command, { kind: 'service' }>, context: CliContext): Promise<number> {
  const { service } = command;
  if (command.help) {
    context.stdout(`Usage: cryptoutil ${service.name} ${command.action} [--config F.yml]...\n\n${configHelp(schemaOptionsOf(service))}`);
    return EXIT_OK;
  }
  const config = loadServiceConfig(service, command.configFiles, context.env);
  return actionRunners[command.action](service, config, context);
}

/** Runs one command; never throws: usage errors exit 2, everything else exits 1. */
export async function main(argv: readonly string[], context: CliContext): Promise<number> {
  try {
    // A command that is not a service (the operator) has actions and flags of its own.
    const [name = ''] = argv;
    const command = context.commands !== undefined && Object.hasOwn(context.commands, name) ? context.commands[name] : undefined;
    if (command !== undefined) return await command(argv.slice(1), context);
    return await run(parseCommand(argv, context.services), context);
  } catch (error) {
    if (error instanceof UsageError) {
      context.stderr(`cryptoutil: ${error.message}\n`);
      return EXIT_USAGE;
    }
    context.stderr(`cryptoutil: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}
