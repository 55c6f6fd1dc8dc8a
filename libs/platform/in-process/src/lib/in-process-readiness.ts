import type { ReadinessCheck } from '@junction/platform/ports';

/** Readiness of the in-process adapters: nothing external to wait for, so always ready. */
export const IN_PROCESS_READINESS: ReadinessCheck = {
  name: 'in-process',
  check: async () => undefined,
};
