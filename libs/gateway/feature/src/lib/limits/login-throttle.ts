import { createHash } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { ProblemException } from '@junction/platform/http';
import { RATE_LIMITERS, type RateLimiter, type RateLimiters } from '@junction/platform/ports';
import { SERVICE_ENV } from '@junction/platform/service';
import { addressBucket } from './client-address';
import { RATE_LIMIT_DEFAULTS, type RateLimitEnv } from './rate-limit-env';
import { retryAfterSeconds } from './rate-limit-headers';

export interface LoginAttempt {
  /** Call when the auth service answered: a success (or an answer that is not a wrong password) gives the attempt back. */
  settle(outcome: 'success' | 'failure' | 'not-counted'): Promise<void>;
}

/**
 * Online password guessing and argon2 exhaustion, stopped at the gateway before the auth service
 * is asked: attempts are counted per account (the e-mail, hashed) and per client address, each in
 * its own window. An attempt is taken before the call — so a burst of parallel guesses is counted
 * in full — and given back when it turns out not to be a wrong password. A success gives back its
 * own attempt only: it never clears what other accounts' failures cost the same address, nor the
 * failures an account has already collected.
 */
@Injectable()
export class LoginThrottle {
  private readonly perAccount: RateLimiter;
  private readonly perAddress: RateLimiter;

  constructor(@Inject(RATE_LIMITERS) limiters: RateLimiters, @Optional() @Inject(SERVICE_ENV) env?: RateLimitEnv) {
    const windowSec = env?.LOGIN_WINDOW_SEC ?? RATE_LIMIT_DEFAULTS.LOGIN_WINDOW_SEC;
    this.perAccount = limiters.create({ name: 'login-account', points: env?.LOGIN_ATTEMPTS_PER_ACCOUNT ?? RATE_LIMIT_DEFAULTS.LOGIN_ATTEMPTS_PER_ACCOUNT, windowSec });
    this.perAddress = limiters.create({ name: 'login-address', points: env?.LOGIN_ATTEMPTS_PER_ADDRESS ?? RATE_LIMIT_DEFAULTS.LOGIN_ATTEMPTS_PER_ADDRESS, windowSec });
  }

  /** Takes one attempt from both budgets, or throws 429 with Retry-After when either is spent. */
  async begin(email: string, ip: string | undefined): Promise<LoginAttempt> {
    const address = addressBucket(ip);
    // the address first: a client already refused cannot make the store hold one key per e-mail it invents
    const byAddress = await this.perAddress.consume(address);
    if (!byAddress.allowed) throw tooMany('from this address', byAddress.retryAfterMs);
    const account = accountKey(email);
    const byAccount = await this.perAccount.consume(account);
    if (!byAccount.allowed) {
      await this.perAddress.refund(address);
      throw tooMany('for this account', byAccount.retryAfterMs);
    }
    return {
      settle: async (outcome) => {
        if (outcome === 'failure') return;
        await Promise.all([this.perAddress.refund(address), this.perAccount.refund(account)]);
      },
    };
  }
}

function accountKey(email: string): string {
  // no e-mail address in the store's keys; the same account however it is capitalised
  return createHash('sha256').update(email.trim().toLowerCase()).digest('base64url').slice(0, 32);
}

function tooMany(what: string, retryAfterMs: number): ProblemException {
  const seconds = retryAfterSeconds(retryAfterMs);
  return new ProblemException('rate-limited', 'Too many requests', 429, {
    detail: `Too many failed logins ${what}; retry after ${seconds} s.`,
    headers: { 'Retry-After': String(seconds) },
  });
}
