import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ApiRateLimit } from './api-rate-limit.interceptor';
import { LoginThrottle } from './login-throttle';

/** Request budgets of the public API (every authenticated route) and the login throttle. */
@Module({
  providers: [LoginThrottle, { provide: APP_INTERCEPTOR, useClass: ApiRateLimit }],
  exports: [LoginThrottle],
})
export class RateLimitsModule {}
