/**
 * Child process of `bench:logins`: LOGIN_BROWSERS browsers logging in through identity-idp's pages,
 * one login after another, until the parent says `stop`; then it sends back every login it made.
 * A process of its own, so the TLS and page work of 200 browsers never delays the autocannon load
 * measured in the parent. Browsers start over RAMP_MS, as a crowd arrives, not in one millisecond.
 * The process runs at nice 10: the browsers stand for machines of their own, and on a bench machine
 * they should take from the services only the CPU the services leave.
 */
import { setPriority } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { decide, location } from '../../services/identity-idp/testing/flow.ts';
import { Browser, fieldValue } from '../../services/identity-idp/testing/harness.ts';
import type { LoginBenchRequest } from './login-target.ts';

/** One finished login: when it ended (epoch ms, comparable across processes), how long, whether it reached the redirect. */
export interface Login {
  readonly endedAt: number;
  readonly ms: number;
  readonly ok: boolean;
}

/** Messages between bench:logins and this process. */
export type CrowdMessage =
  | { readonly start: LoginBenchRequest }
  /** Every browser has posted its first password: from now on LOGIN_BROWSERS logins are in flight. */
  | { readonly inFlight: true }
  | { readonly stop: true }
  | { readonly logins: readonly Login[] };

const RAMP_MS = 2000;

/** One browser's login, from the login page to the redirect back to the issuer with a login result. */
async function login(target: LoginBenchRequest, challenge: string, username: string, posting: () => void): Promise<boolean> {
  const browser = new Browser(new URL(target.url).origin, target.ca);
  const page = await browser.get(`/login?login_challenge=${challenge}`);
  if (page.status !== 200) return false;
  posting();
  const posted = await browser.post('/login', { csrf: fieldValue(page.text, 'csrf'), login_challenge: challenge, username, password: target.password });
  if (posted.status !== 303) return false;
  const allowed = await decide(browser, challenge, 'allow');
  return allowed.status === 303 && location(allowed).includes('login_result=');
}

async function run(target: LoginBenchRequest, state: { running: boolean }): Promise<Login[]> {
  const logins: Login[] = [];
  let firstPosts = 0;
  const browsers = target.challenges.map(async (challenge, index) => {
    await sleep((RAMP_MS * index) / target.challenges.length);
    const username = target.users[index % target.users.length] ?? '';
    let first = true;
    const posting = (): void => {
      if (!first) return;
      first = false;
      firstPosts += 1;
      if (firstPosts === target.challenges.length) process.send?.({ inFlight: true } satisfies CrowdMessage);
    };
    while (state.running) {
      const started = performance.now();
      const ok = await login(target, challenge, username, posting).catch(() => false);
      logins.push({ endedAt: Date.now(), ms: performance.now() - started, ok });
    }
  });
  await Promise.all(browsers);
  return logins;
}

setPriority(10);
const state = { running: true };
let finished: Promise<Login[]> | undefined;
process.on('message', (message: CrowdMessage) => {
  if ('start' in message) finished = run(message.start, state);
  if ('stop' in message) {
    state.running = false;
    void (finished ?? Promise.resolve([])).then((logins) => {
      process.send?.({ logins } satisfies CrowdMessage, () => { process.disconnect(); });
    });
  }
});
