import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleFoldersIn, modelDirsToServe } from '../../../src/cli/commands/serve.js';

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const TINY = join(ROOT, 'test/fixtures/bundles/tiny');

test('serve prints its address and models, answers /api/health, and stops on SIGTERM', async () => {
  const data = mkdtempSync(join(tmpdir(), 'emovox-serve-'));
  const copy = join(data, 'bundles', 'tiny-copy');
  cpSync(TINY, copy, { recursive: true });
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
      '--model',
      copy,
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
    const m = /^Emovox listening on (http:\/\/127\.0\.0\.1:(\d+)) \(models: tiny, tiny-copy\)$/.exec(line);
    assert.ok(m, line);
    const health = await fetch(`${m[1]}/api/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json().then((h) => (h as { models: string[] }).models), [
      'tiny',
      'tiny-copy',
    ]);
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

test('--models serves every bundle folder inside a folder, default first; none found is a clear error', () => {
  const root = mkdtempSync(join(tmpdir(), 'emovox-models-'));
  try {
    for (const name of ['zeta', 'default', 'alpha']) {
      mkdirSync(join(root, name));
      writeFileSync(join(root, name, 'emovox.json'), '{}');
    }
    mkdirSync(join(root, 'not-a-bundle'));
    assert.deepEqual(
      bundleFoldersIn(root),
      ['default', 'alpha', 'zeta'].map((n) => join(root, n)),
    );
    assert.deepEqual(modelDirsToServe({ model: ['x'], models: root }), ['x', ...bundleFoldersIn(root)]);
    assert.deepEqual(modelDirsToServe({ model: [] }), [undefined], 'nothing given: the default bundle');
    assert.throws(() => bundleFoldersIn(join(root, 'not-a-bundle')), /no bundle folders in it/);
    assert.throws(() => bundleFoldersIn(join(root, 'missing')), /no such folder/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
