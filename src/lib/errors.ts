// One error type and one wire shape (RFC 9457 problem details) for the whole service.

export const ERROR_STATUS = {
  bad_request: 400,
  malformed_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  invalid_state: 409,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export interface FieldError {
  path: string;
  message: string;
  code?: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

const TITLES: Record<ErrorCode, string> = {
  bad_request: "Bad request",
  malformed_json: "Malformed JSON body",
  unauthorized: "Authentication required",
  forbidden: "Not allowed",
  not_found: "Not found",
  invalid_state: "Wrong state for this action",
  conflict: "Conflict",
  payload_too_large: "Body too large",
  unsupported_media_type: "Unsupported content type",
  validation_failed: "Validation failed",
  rate_limited: "Too many requests",
  internal: "Internal error",
  unavailable: "Try again",
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly errors: FieldError[] | undefined;
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, detail: string, opts: { errors?: FieldError[]; extra?: Record<string, unknown> } = {}) {
    super(detail);
    this.name = "AppError";
    this.code = code;
    this.errors = opts.errors;
    this.extra = opts.extra ?? {};
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toProblem(): Problem {
    const p: Problem = {
      ...this.extra,
      type: `https://warncast.dev/problems/${this.code.replaceAll("_", "-")}`,
      title: TITLES[this.code],
      status: this.status,
      code: this.code,
      detail: this.message,
    };
    if (this.errors) p.errors = this.errors;
    return p;
  }
}

export const validationError = (errors: FieldError[], detail?: string) =>
  new AppError("validation_failed", detail ?? errors.map((e) => `${e.path}: ${e.message}`).join("; "), { errors });
