import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const TINY = join(ROOT, 'test/fixtures/bundles/tiny');

test('serve prints its address and model, answers /api/health, and stops on SIGTERM', async () => {
  const data = mkdtempSync(join(tmpdir(), 'emovox-serve-'));
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'src/cli/main.ts'),
      'serve',
      '--port',
      '0',
      '--workers',
      '0',
      '--model',
      TINY,
      '--data',
      data,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  try {
    const line = await new Promise<string>((res, rej) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) res(out.split('\n')[0]);
      });
      child.once('exit', (code) => rej(new Error(`serve exited with ${code}: ${stderr}`)));
    });
    const m = /^Emovox listening on (http:\/\/127\.0\.0\.1:(\d+)) \(model: tiny\)$/.exec(line);
    assert.ok(m, line);
    const health = await fetch(`${m[1]}/api/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { model: string }).model, 'tiny');
    assert.ok(existsSync(join(data, 'emovox.sqlite')), 'the database is created in --data');
    const code = await new Promise((res) => {
      child.once('exit', res);
      child.kill('SIGTERM');
    });
    assert.equal(code, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(data, { recursive: true, force: true });
  }
});
