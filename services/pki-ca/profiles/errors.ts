/**
 * The error a profile raises when a request breaks one of its rules: a 400 whose detail starts with
 * the profile and the rule (`profile tls-server: rule san.dns.pattern: …`), so a client can tell
 * which rule to satisfy. The rule name is also a field, for callers and tests.
 */
import { BadRequestError } from '../../template/errors/index.ts';

/** A request the named profile rule refuses. */
export class ProfileRuleError extends BadRequestError {
  readonly profile: string;
  readonly rule: string;

  constructor(profile: string, rule: string, reason: string) {
    super(`profile ${profile}: rule ${rule}: ${reason}`);
    this.profile = profile;
    this.rule = rule;
  }
}
