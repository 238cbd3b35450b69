/**
 * The operator's calls to a realm's services in a kube-sim test, counted, so that a timing can
 * start while the operator is idle just after a periodic sync (a change then does not queue behind
 * the next one).
 */
import { serviceRequest, type ServiceRequest } from '../controllers/service-fetch.ts';
import { until } from './sim-client.ts';

export class WatchedRequests {
  #inFlight = 0;
  #last = 0;
  readonly request: ServiceRequest;

  constructor(inner: ServiceRequest = serviceRequest()) {
    this.request = async (method, url, options) => {
      this.#inFlight += 1;
      try {
        return await inner(method, url, options);
      } finally {
        this.#inFlight -= 1;
        this.#last = Date.now();
      }
    };
  }

  /**
   * Resolves once no call is in flight, the last one ended 0.1–1 s ago, and the operator sent
   * nothing else for 0.25 s (`lastWorkAt`, kube-sim's clock of its last request besides its lease):
   * a sync can be followed by more reconcile work (the watch events of children it wrote), and a
   * change made while that runs would wait for it. The sync's own status write no longer starts one
   * (the watcher's `ignoreStatusOnly`).
   */
  async idleAfterSync(lastWorkAt: () => number): Promise<void> {
    await until('the operator idle just after a sync', () => {
      const now = Date.now();
      const quiet = now - this.#last;
      return Promise.resolve(this.#inFlight === 0 && quiet > 100 && quiet < 1_000 && now - lastWorkAt() > 250 ? true : undefined);
    }, 10_000);
  }
}
