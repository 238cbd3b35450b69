#!/usr/bin/env node
/**
 * The `cryptoutil` executable: every service of this build, bound to this process.
 */
// The Node check runs before anything else is loaded: an older Node gets one line and exit 2.
import './node-check.js';

const { runProcess } = await import('./template/cli/process.ts');
const { services } = await import('./registry.ts');

await runProcess(services);
