import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from '../../../src/cli/errors.js';
import { EmovoxError } from '../../../src/core/errors.js';
import { AudioError } from '../../../src/core/audio/audio-error.js';
import { decodeFile } from '../../../src/node/decode.js';
import { TrainError } from '../../../src/node/train/options.js';

/** Runs runMain(main) with stderr captured; returns what it printed and the exit code it set. */
async function run(main: () => Promise<unknown>): Promise<{ stderr: string; exitCode: number | undefined }> {
  const write = process.stderr.write.bind(process.stderr);
  const saved = process.exitCode;
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    process.exitCode = undefined;
    await runMain(main);
    return { stderr, exitCode: process.exitCode as number | undefined };
  } finally {
    process.stderr.write = write;
    process.exitCode = saved;
  }
}

test('a user-facing EmovoxError prints one line and exits 2', async () => {
  const r = await run(async () => {
    throw new TrainError('--epochs must be an integer');
  });
  assert.equal(r.exitCode, 2);
  assert.equal(r.stderr, 'emovox: --epochs must be an integer\n');
});

test('the project error types share the EmovoxError base with a code', () => {
  const a = new AudioError('SILENT', 'digital silence');
  assert.ok(a instanceof EmovoxError);
  assert.equal(a.code, 'SILENT');
  assert.equal(a.userFacing, true);
  assert.equal(a.name, 'AudioError');
  assert.equal(new TrainError('x').code, 'BAD_TRAINING');
});

test('a system error with a string code (EACCES, SQLite) is not a user error: stack, exit 1', async () => {
  const r = await run(async () => {
    const err = Object.assign(new Error('SQLITE_CORRUPT: database disk image is malformed'), {
      code: 'SQLITE_CORRUPT',
    });
    throw err;
  });
  assert.equal(r.exitCode, 1);
  assert.match(r.stderr, /^emovox: internal error: Error: SQLITE_CORRUPT/);
  assert.match(r.stderr, /\n\s+at /, 'the stack is printed');
});

test('an EmovoxError that is not the user’s to fix prints its stack and exits 1', async () => {
  const r = await run(async () => {
    throw new EmovoxError('KERNEL_INPUT', 'kernel got a rank-3 input', { userFacing: false });
  });
  assert.equal(r.exitCode, 1);
  assert.match(r.stderr, /internal error: EmovoxError: kernel got a rank-3 input\n\s+at /);
});

test('a missing input file is wrapped where it is opened: one line naming the path, exit 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'emovox-errors-'));
  try {
    const missing = join(dir, 'no-such.wav');
    const r = await run(() => decodeFile(missing));
    assert.equal(r.exitCode, 2);
    assert.equal(r.stderr, `emovox: ${missing}: no such file\n`);
    const folder = await run(() => decodeFile(dir));
    assert.equal(folder.exitCode, 2);
    assert.equal(folder.stderr, `emovox: ${dir}: is a folder, not a file\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
