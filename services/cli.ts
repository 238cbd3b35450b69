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

const { servicesFor } = await import('./loaders.ts');

// The operator is not a service: its command is added here, and loads the operator only when run.
// A pod runs one service or the operator, so it loads that one alone (loaders.ts).
await runProcess(await servicesFor(process.argv[2]), {
  operator: async (args, context) => {
    const { runOperatorCommand } = await import('../operator/command.ts');
    return runOperatorCommand(args, context);
  },
});
