import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleFoldersIn, isLoopbackHost, modelDirsToServe } from '../../../src/cli/commands/serve.js';

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

/** Runs `emovox serve ARGS` until its first stdout line (or its exit); returns the child and that line. */
async function startServe(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve', ...args],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const outcome = await new Promise<{ line: string } | { code: number | null }>((res) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) res({ line: out.split('\n')[0] });
    });
    child.once('exit', (code) => res({ code }));
  });
  return { child, outcome, stderr: () => stderr };
}

const envWithout = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.EMOVOX_API_KEY;
  return env;
};

test('serve --host 0.0.0.0 without an API key refuses to start: one line, exit 2', async () => {
  const { outcome, stderr } = await startServe(
    ['--host', '0.0.0.0', '--port', '0', '--model', TINY],
    envWithout(),
  );
  assert.deepEqual(outcome, { code: 2 });
  const lines = stderr().trim().split('\n');
  assert.equal(lines.length, 1, stderr());
  assert.match(
    lines[0],
    /^emovox: refusing to serve 0\.0\.0\.0 without an API key.*--api-key KEY.*--insecure/,
  );
});

test('serve --host 0.0.0.0 with EMOVOX_API_KEY starts and requires the key', async () => {
  const data = mkdtempSync(join(tmpdir(), 'emovox-serve-key-'));
  const key = 'serve-test-key-0123456789';
  const { child, outcome, stderr } = await startServe(
    ['--host', '0.0.0.0', '--port', '0', '--workers', '0', '--model', TINY, '--data', data],
    { ...envWithout(), EMOVOX_API_KEY: key },
  );
  try {
    assert.ok('line' in outcome, `serve did not start: ${stderr()}`);
    const m = /^Emovox listening on (http:\/\/127\.0\.0\.1:\d+) /.exec(outcome.line);
    assert.ok(m, outcome.line);
    assert.equal((await fetch(`${m[1]}/api/health`)).status, 401);
    assert.equal(
      (await fetch(`${m[1]}/api/health`, { headers: { authorization: `Bearer ${key}` } })).status,
      200,
    );
  } finally {
    child.kill('SIGKILL');
    rmSync(data, { recursive: true, force: true });
  }
});

test("isLoopbackHost: only this machine's addresses count as loopback", () => {
  for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
    assert.equal(isLoopbackHost(h), true, h);
  }
  for (const h of ['0.0.0.0', '::', '192.168.1.5', '10.0.0.1', 'example.com', '::ffff:10.0.0.1']) {
    assert.equal(isLoopbackHost(h), false, h);
  }
});
