/**
 * The entry as it was before the probe fast path: every command, probes too, loads the whole
 * command line and every service. `test/bench/probe.ts` measures it as the "before" figure.
 */
const { runProcess } = await import('../../services/template/cli/process.ts');
const { services } = await import('../../services/registry.ts');

await runProcess(services);
