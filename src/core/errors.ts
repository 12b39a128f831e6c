/**
 * The one base of Emovox's own errors. `code` names what went wrong in a stable, machine-readable
 * way (the HTTP API and the CLI report it); `userFacing` says whether it is the user's to fix
 * (bad input, a wrong path, an unknown model: one clear line) or a fault of Emovox or the
 * machine (a bug, a resource limit: the stack is worth seeing). Platform-neutral.
 */
export interface EmovoxErrorOptions {
  /** Whether the user can fix it (default true: most of our errors describe bad input). */
  userFacing?: boolean;
  cause?: unknown;
}

export class EmovoxError extends Error {
  readonly code: string;
  readonly userFacing: boolean;

  constructor(code: string, message: string, options: EmovoxErrorOptions = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    this.userFacing = options.userFacing ?? true;
  }
}

/** True for an EmovoxError that is the user's to fix (report its message, not its stack). */
export function isUserFacing(err: unknown): err is EmovoxError {
  return err instanceof EmovoxError && err.userFacing;
}

/** An error as it crosses a worker-thread boundary (structured-clone friendly). */
export interface ErrorRecord {
  code?: string;
  name: string;
  message: string;
  stack?: string;
  userFacing: boolean;
}

export function errorRecord(err: unknown): ErrorRecord {
  const e = err as { code?: unknown; message?: string; name?: string; stack?: string };
  return {
    code: typeof e?.code === 'string' ? e.code : undefined,
    name: e?.name ?? 'Error',
    message: e?.message ?? String(err),
    stack: e?.stack,
    userFacing: isUserFacing(err),
  };
}

/**
 * An error thrown inside a worker thread, rebuilt on the main thread with its name, code,
 * stack and user-facing flag, so error mapping (HTTP status, CLI exit code) treats it as the
 * original. An error without a code becomes WORKER_ERROR (not user-facing).
 */
export class WorkerError extends EmovoxError {
  constructor(r: ErrorRecord) {
    super(r.code ?? 'WORKER_ERROR', r.message, { userFacing: r.userFacing });
    this.name = r.name;
    if (r.stack) this.stack = r.stack;
  }
}

/**
 * Validation issues (zod's) as one line, "path: message; ...", for the error that names every
 * wrong field; `root` names an issue about the value as a whole.
 */
export function describeIssues(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  root = '(root)',
): string {
  return issues.map((i) => `${i.path.join('.') || root}: ${i.message}`).join('; ');
}
