#!/usr/bin/env node
/**
 * The `cryptoutil` executable: every service of this build, bound to this process.
 */
// The Node check runs before anything else is loaded: an older Node gets one line and exit 2.
import './node-check.js';

// Exec probes run every few seconds in every pod: they load only the probe module, never the services.
const { probeCommand, runProbe } = await import('./template/cli/probe.ts');
const probe = probeCommand(process.argv.slice(2));
if (probe !== undefined) {
  process.exit(await runProbe(probe, { env: process.env, stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) }));
}

const { runProcess } = await import('./template/cli/process.ts');

// The operator is not a service: its command is added here, and loads the operator only when run.
// Its pod runs no service, so it does not load them either (their libraries would double its memory).
const services = process.argv[2] === 'operator' ? [] : (await import('./registry.ts')).services;
await runProcess(services, {
  operator: async (args, context) => {
    const { runOperatorCommand } = await import('../operator/command.ts');
    return runOperatorCommand(args, context);
  },
});
