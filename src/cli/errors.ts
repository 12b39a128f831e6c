/**
 * Top-level error handling for the CLI: an EmovoxError that is the user's to fix (bad input, a
 * wrong path, an unknown model) prints one clear line and exits 2; anything else (a bug, a
 * system error such as EIO or a SQLite failure) prints its stack and exits 1.
 */
import { isUserFacing } from '../core/errors.js';

export async function runMain(main: () => Promise<unknown>): Promise<void> {
  try {
    await main();
  } catch (err) {
    if (isUserFacing(err)) {
      process.stderr.write(`emovox: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      const e = err as { stack?: string } | undefined;
      process.stderr.write(`emovox: internal error: ${e?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  }
}
