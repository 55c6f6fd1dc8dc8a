import { HttpException } from '@nestjs/common';
import type { FieldError } from '@junction/platform/ports';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'https://junction.dev/problems/';

/** RFC 9457 problem document. `type` is stable per kind of problem; clients switch on it. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** Each rejected field with its path, for validation problems. */
  errors?: FieldError[];
  traceId?: string;
  [extension: string]: unknown;
}

export interface ProblemOptions {
  detail?: string;
  errors?: FieldError[];
  /** Response headers to set, e.g. `Retry-After`. */
  headers?: Record<string, string>;
  extensions?: Record<string, unknown>;
}

/** Thrown anywhere in a request to answer with a problem document. */
export class ProblemException extends HttpException {
  readonly problem: ProblemDocument;
  readonly headers: Record<string, string>;

  constructor(slug: string, title: string, status: number, options: ProblemOptions = {}) {
    super(options.detail ?? title, status);
    this.problem = {
      type: `${TYPE_BASE}${slug}`,
      title,
      status,
      ...(options.detail ? { detail: options.detail } : {}),
      ...(options.errors ? { errors: options.errors } : {}),
      ...options.extensions,
    };
    this.headers = options.headers ?? {};
  }
}

export const Problems = {
  validation: (errors: FieldError[], detail = 'The request has invalid fields.') => new ProblemException('validation-error', 'Invalid request', 400, { detail, errors }),
  notFound: (what: string) => new ProblemException('not-found', 'Not found', 404, { detail: `${what} was not found.` }),
  unavailable: (detail: string, retryAfterSeconds = 1) =>
    new ProblemException('service-unavailable', 'Service unavailable', 503, { detail, headers: { 'Retry-After': String(retryAfterSeconds) } }),
};

export function problemType(slug: string): string {
  return `${TYPE_BASE}${slug}`;
}
