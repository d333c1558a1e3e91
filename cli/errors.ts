/**
 * The one error type users see. `code` is stable (scripts and docs refer to it), `message` says
 * what is wrong, `hint` says how to fix it. `exitCode` 1 is a user error; anything that is not an
 * OcreError is treated as an internal error (exit 2) by the CLI.
 */
export type ExitCode = 0 | 1 | 2;

export interface OcreErrorOptions {
  hint?: string;
  /** Extra lines printed under the message (diagnostics, tables). */
  details?: string[];
  exitCode?: ExitCode;
  cause?: unknown;
}

export class OcreError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly details: string[];
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, options: OcreErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "OcreError";
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? [];
    this.exitCode = options.exitCode ?? 1;
  }

  toJSON(): { code: string; message: string; hint?: string; details?: string[] } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.details.length === 0 ? {} : { details: this.details }),
    };
  }
}

export function isOcreError(value: unknown): value is OcreError {
  return value instanceof OcreError;
}
