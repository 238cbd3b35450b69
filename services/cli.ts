#!/usr/bin/env node
/**
 * The `cryptoutil` executable: every service of this build, bound to this process.
 */
import { runProcess } from './template/cli/process.ts';
import { services } from './registry.ts';

await runProcess(services);
