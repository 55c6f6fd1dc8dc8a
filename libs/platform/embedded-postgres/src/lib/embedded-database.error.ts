/** A data directory or embedded server in a state we refuse to touch: the message names the path and what to do. */
export class EmbeddedDatabaseError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'EmbeddedDatabaseError';
  }
}
