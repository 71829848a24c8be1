// Every admin API refusal: `{"error":{"code","message"}}` with its status (SPEC §7). Handlers
// throw these; the server writes them. Anything else thrown is a 500 that reveals nothing.

export class AdminError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Extra members of the `error` object (e.g. a failed reload's issues). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { headers?: Record<string, string>; details?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'AdminError';
    this.status = status;
    this.code = code;
    this.headers = options.headers ?? {};
    this.details = options.details ?? {};
  }
}

export const badRequest = (code: string, message: string): AdminError => new AdminError(400, code, message);
