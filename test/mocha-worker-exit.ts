// Loaded by `npm test` (`--require`). In a parallel run, mocha's worker pool asks each worker to
// exit when the last file is done and sends it SIGTERM if it has not exited one second later. A
// worker still writing its V8 coverage at that moment (seconds on a busy machine) would die without
// writing it, and the per-file coverage gate would then fail on files that were tested. With a
// listener in place the signal no longer kills a worker that is already exiting; one that is not
// exits at once.
if (process.env.MOCHA_WORKER_ID !== undefined) {
  process.on('SIGTERM', () => {
    process.exit(143);
  });
}
