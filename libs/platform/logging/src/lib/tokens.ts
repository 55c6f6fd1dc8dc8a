/** The process's root pino logger (a `pino.Logger`); platform adapters log through it. */
export const ROOT_LOGGER = Symbol('RootLogger');
