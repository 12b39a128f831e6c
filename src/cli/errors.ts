/**
 * Top-level error handling for the CLI: known, user-facing errors (anything with a `code`
 * and a message, such as AudioError) print one clear line and exit 2; anything else is a bug
 * and prints its stack, exit 1.
 */
export async function runMain(main: () => Promise<unknown>): Promise<void> {
  try {
    await main();
  } catch (err) {
    const e = err as { code?: unknown; message?: string; stack?: string; userFacing?: boolean };
    if (e && (e.userFacing || typeof e.code === 'string')) {
      process.stderr.write(`emovox: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`emovox: internal error: ${e?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  }
}
