import type { INestApplication } from '@nestjs/common';
import { ValidateBy, type ValidationOptions } from 'class-validator';
import ipaddr from 'ipaddr.js';

const PRESETS = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * `TRUST_PROXY`: which peers may tell the gateway the client's address (X-Forwarded-For), for the
 * login throttle's per-address budget. Empty (the default): none — the address is the socket's
 * peer, and a client cannot choose its own budget by sending the header. Otherwise a number of
 * proxy hops in front of the gateway, or a comma-separated list of addresses, CIDRs and
 * `loopback` / `linklocal` / `uniquelocal`.
 */
export function trustProxySetting(value: string): false | number | string[] {
  const trimmed = value.trim();
  if (trimmed === '') return false;
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  return trimmed.split(',').map((entry) => entry.trim());
}

function validEntry(entry: string): boolean {
  if (PRESETS.has(entry)) return true;
  if (entry.includes('/')) {
    try {
      ipaddr.parseCIDR(entry);
      return /\/\d{1,3}$/.test(entry);
    } catch {
      return false;
    }
  }
  return ipaddr.isValid(entry);
}

export function isTrustProxy(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const setting = trustProxySetting(value);
  if (setting === false) return true;
  if (typeof setting === 'number') return setting >= 1 && setting <= 10;
  return setting.length > 0 && setting.every(validEntry);
}

export function IsTrustProxy(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTrustProxy',
      validator: {
        validate: (value) => isTrustProxy(value),
        defaultMessage: () => 'must be empty, a number of proxy hops (1-10), or a comma-separated list of addresses, CIDRs, loopback, linklocal or uniquelocal',
      },
    },
    options,
  );
}

/** Applies `TRUST_PROXY` to Express, which then computes `req.ip` from it. */
export function applyTrustProxy(app: INestApplication, value: string): void {
  const express = app.getHttpAdapter().getInstance() as { set(name: string, value: unknown): void };
  express.set('trust proxy', trustProxySetting(value));
}
