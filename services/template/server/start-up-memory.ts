/**
 * Gives back, once a process has started its services, the memory start-up needed and nothing
 * after it does. Loading modules, parsing OpenAPI documents and compiling validators allocate
 * fast enough that V8 grows its young generation to the largest size it allows (two 32 MiB
 * semi-spaces on 64-bit Node 24) and, idle, never shrinks it: a standalone service kept about
 * 47 MiB resident for an empty young generation. One memory-reducing full collection shrinks it
 * and compacts what start-up left behind (docs/performance.md, "Footprint and start-up").
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's `gc` extension; `last-resort` is the collection V8 runs before giving up on memory, which also shrinks the young generation. */
type Collect = (options: { readonly type: 'major'; readonly execution: 'sync'; readonly flavor: 'last-resort' }) => void;

/**
 * The `gc` function of a fresh context, without `--expose-gc` on the command line (a container's
 * entry point stays `node cli.js`). The flag is cleared again at once, so no later context has it.
 */
function collector(): Collect {
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as Collect;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/** One synchronous memory-reducing collection; run it once, after the services are ready, never per request. */
export function releaseStartUpMemory(): void {
  collector()({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}
