/**
 * The closed set of errors domain code throws. `app.ts` maps them to HTTP once; nothing else
 * decides a status code.
 */

export type FieldProblem = { readonly field: string; readonly message: string };

export class AppError extends Error {
  constructor(
    readonly code: keyof typeof statusOfCode,
    message: string
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidInputError extends AppError {
  constructor(
    message: string,
    readonly fields: readonly FieldProblem[] = []
  ) {
    super('INVALID_INPUT', message);
  }

  static fromFields(fields: readonly FieldProblem[]): InvalidInputError {
    return new InvalidInputError(fields.map((f) => `${f.field}: ${f.message}`).join('; '), fields);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message: string) {
    super('UNAUTHORIZED', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super('PAYLOAD_TOO_LARGE', message);
  }
}

/** Too many requests or failed attempts from this caller: try again after `retryAfterSeconds`. */
export class TooManyRequestsError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number
  ) {
    super('TOO_MANY_REQUESTS', message);
  }
}

/** A dependency (database, disk, provider) failed in a way a retry may fix. */
export class UnavailableError extends AppError {
  constructor(message: string) {
    super('UNAVAILABLE', message);
  }
}

export class UpstreamError extends AppError {
  constructor(message: string) {
    super('UPSTREAM', message);
  }
}

export const statusOfCode = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  UPSTREAM: 502,
  UNAVAILABLE: 503,
} as const;
