/**
 * Reading a file the user named (an audio file to classify, a JSON option file): a missing or
 * unreadable path is the user's to fix, so it becomes one clear user-facing error instead of a
 * raw ENOENT with a stack. Other failures (EIO, EMFILE...) stay what they are.
 */
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { EmovoxError } from '../core/errors.js';

const USER_CAUSES: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file (a part of the path is not a folder)',
  EISDIR: 'is a folder, not a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

export class InputFileError extends EmovoxError {
  constructor(path: string, code: string, cause: unknown, message = `${path}: ${USER_CAUSES[code]}`) {
    super(code === 'ENOENT' ? 'NO_SUCH_FILE' : 'UNREADABLE_FILE', message, { cause });
  }
}

function wrap(path: string, err: unknown): never {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code && code in USER_CAUSES) throw new InputFileError(path, code, err);
  throw err;
}

export async function readInputFile(path: string): Promise<Buffer> {
  return readFile(path).catch((err: unknown) => wrap(path, err));
}

/**
 * A JSON file the user named (a training config, a search space, --model-config): a missing
 * file or bad JSON is one user-facing error naming `what` and the path.
 */
export function readJsonInput(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException)?.code;
    if (code && code in USER_CAUSES)
      throw new InputFileError(path, code, err, `cannot read ${what} ${path}: ${USER_CAUSES[code]}`);
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new EmovoxError('BAD_JSON', `${what} ${path} is not valid JSON (${(err as Error).message})`);
  }
}
