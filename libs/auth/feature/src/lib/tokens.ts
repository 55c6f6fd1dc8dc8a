/** DI tokens of the auth feature. */
export const KEY_PROVIDER = Symbol('KeyProvider');
export const AUDIT = Symbol('AuditPublisher');
export const CLOCK = Symbol('Clock');

export type Clock = () => Date;
