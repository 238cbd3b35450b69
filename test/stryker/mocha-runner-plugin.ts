/**
 * Stryker loads this in place of @stryker-mutator/mocha-runner (see stryker.config.json `plugins`).
 * mocha-runner 10.0.0 requires mocha's CLI helpers without a file extension, and mocha 12 ships
 * them as `.cjs`; the resolve hook maps those three paths before the runner is imported. Remove
 * this file once a mocha-runner release resolves mocha 12 by itself.
 */
import { registerHooks } from 'node:module';

const MOCHA_CLI = /[\\/]mocha[\\/]lib[\\/]cli[\\/](?:run-helpers|collect-files|options)$/;

registerHooks({
  resolve(specifier, context, nextResolve) {
    return nextResolve(MOCHA_CLI.test(specifier) ? `${specifier}.cjs` : specifier, context);
  },
});

const runner = await import('@stryker-mutator/mocha-runner');

export const strykerPlugins = runner.strykerPlugins;
export const strykerValidationSchema = runner.strykerValidationSchema;
