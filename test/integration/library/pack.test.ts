/**
 * The package as a user gets it: `npm pack` the project, install the tarball into an empty
 * temporary project with --prefer-offline (every dependency from the npm cache that
 * `npm install` / `npm ci` filled; the registry only for what the cache lacks), then compile a TypeScript consumer against the installed type declarations with the
 * project's tsc and run it with plain Node: it predicts a file of samples/, serves the bundled
 * default with createServer() and queries /api/health and /api/predict, and mounts the plugin
 * under a prefix in an app of its own.
 *
 * better-sqlite3's native binary is the one thing not built here: the install runs with
 * --ignore-scripts (its script would compile SQLite for a minute, or download a prebuilt
 * binary from outside the registry), and the binary this checkout built for the same
 * version and Node is copied in.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const SAMPLE = join(ROOT, 'samples', 'hello.wav');

/** Newest modification time of any file under `dir` with one of `exts`. */
function newest(dir: string, exts: string[]): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) t = Math.max(t, newest(p, exts));
    else if (exts.some((e) => name.endsWith(e))) t = Math.max(t, s.mtimeMs);
  }
  return t;
}

/** dist/ as `npm run build` makes it; rebuilt (tsc only) when a source file is newer. */
function ensureDistBuilt(): void {
  const entry = join(ROOT, 'dist', 'index.js');
  if (existsSync(entry) && statSync(entry).mtimeMs >= newest(join(ROOT, 'src'), ['.ts'])) return;
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
}

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  dependencies?: Record<string, string>;
  [k: string]: unknown;
}

/**
 * An empty project depending on the tarball (and on fastify, which the consumer imports), with
 * a lock file that pins the package's dependency tree to this checkout's (the non-dev entries of
 * package-lock.json), so the install takes the very versions `npm ci` put in the cache.
 */
function writeConsumerProject(project: string, tarball: string): void {
  const ours = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    dependencies: Record<string, string>;
  };
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const dependencies = { emovox: `file:${tarball}`, fastify: ours.dependencies.fastify };
  const packages: Record<string, LockEntry> = {
    '': { name: 'emovox-consumer', dependencies },
    'node_modules/emovox': {
      version: ours.version,
      resolved: `file:${tarball}`,
      dependencies: ours.dependencies,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path.startsWith('node_modules/') && !entry.dev) packages[path] = entry;
  }
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'emovox-consumer', private: true, type: 'module', dependencies }, null, 2),
  );
  writeFileSync(
    join(project, 'package-lock.json'),
    JSON.stringify({ name: 'emovox-consumer', lockfileVersion: 3, requires: true, packages }, null, 2),
  );
}

const CONSUMER = `
import { createServer, emovoxServer, loadModel, type Prediction } from 'emovox';
import Fastify from 'fastify';
import { readFile } from 'node:fs/promises';

const [sample, dataDir] = process.argv.slice(2);
const model = await loadModel();
const fromFile: Prediction = await model.predictFile(sample);

const app = await createServer({ models: [model], dataDir: dataDir + '/a' });
const url = await app.listen({ port: 0, host: '127.0.0.1' });
const health = await fetch(url + '/api/health');
const predicted = await fetch(url + '/api/predict', {
  method: 'POST',
  headers: { 'content-type': 'audio/wav' },
  body: await readFile(sample),
});
const served = { health: health.status, predict: predicted.status, body: (await predicted.json()) as Prediction };
await app.close();

const parent = Fastify();
parent.get('/', async () => 'the host app');
await parent.register(emovoxServer, { prefix: '/emotion', models: [model], dataDir: dataDir + '/b' });
const mounted = await parent.inject({ url: '/emotion/api/health' });
const own = await parent.inject({ url: '/' });
await parent.close();

console.log(JSON.stringify({
  id: model.id,
  labels: model.labels,
  info: model.info,
  fromFile,
  served,
  mounted: { status: mounted.statusCode, body: mounted.json() },
  own: own.body,
}));
`;

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'emovox-pack-'));
});
after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test(
  'npm pack -> install (npm cache first) in an empty project -> a TypeScript consumer predicts and serves',
  { timeout: 240_000 },
  () => {
    ensureDistBuilt();
    // 1. Pack (scripts off: dist/ and web/dist/ are already built; prepare would rebuild both).
    const packed = JSON.parse(
      execFileSync(NPM, ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
        cwd: ROOT,
        encoding: 'utf8',
      }),
    ) as { filename: string; files: { path: string }[] }[];
    const files = packed[0].files.map((f) => f.path);
    assert.ok(
      files.includes('dist/index.js') && files.includes('dist/index.d.ts'),
      'the entry point and its types ship',
    );
    assert.ok(files.includes('models/default/emovox.json'), 'the bundled default model ships');
    assert.ok(files.includes('models/emodb/emovox.json'), 'the German 7-emotion model ships');
    assert.ok(files.includes('models/emodb-ravdess/emovox.json'), 'the German + English model ships');
    assert.ok(!files.some((f) => /\/lo[cs]o[^/]*\.json$/.test(f)), 'evaluation files stay in the repository');
    assert.ok(files.includes('LICENSE') && files.includes('README.md'));
    const strays = files.filter(
      (f) => /^(src|test|bench|scripts|configs|results)\//.test(f) || f.endsWith('.map'),
    );
    assert.deepEqual(strays, [], 'no sources, tests, benchmarks or source maps in the package');

    // 2. An empty project installs the tarball, its dependencies from the npm cache.
    const project = join(work, 'consumer');
    mkdirSync(project);
    writeConsumerProject(project, join(work, packed[0].filename));
    const install = spawnSync(
      NPM,
      ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
      { cwd: project, encoding: 'utf8' },
    );
    assert.equal(
      install.status,
      0,
      `installing the tarball failed (dependencies come from the npm cache, else the registry)\n${install.stderr}`,
    );
    const installed = join(project, 'node_modules');
    assert.ok(!existsSync(join(installed, 'emovox', 'src')), 'no TypeScript sources installed');

    // better-sqlite3: the same version as this checkout's, whose built binary is copied in.
    const sqliteOf = (root: string) => join(root, 'node_modules', 'better-sqlite3');
    const versionOf = (dir: string) =>
      (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    const ourSqlite = sqliteOf(ROOT);
    const theirSqlite = join(installed, 'better-sqlite3');
    const binary = join('build', 'Release', 'better_sqlite3.node');
    if (versionOf(theirSqlite) === versionOf(ourSqlite)) {
      mkdirSync(join(theirSqlite, 'build', 'Release'), { recursive: true });
      copyFileSync(join(ourSqlite, binary), join(theirSqlite, binary));
    } else {
      execFileSync(NPM, ['rebuild', 'better-sqlite3', '--offline'], { cwd: project, stdio: 'inherit' });
    }

    // 3. Compile the consumer against the installed declarations with this project's tsc.
    writeFileSync(join(project, 'consumer.ts'), CONSUMER);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules', '@types')],
          outDir: 'out',
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], {
      cwd: project,
      encoding: 'utf8',
    });
    assert.equal(
      tsc.status,
      0,
      `the consumer does not type-check against the package:\n${tsc.stdout}${tsc.stderr}`,
    );

    // 4. Run it with plain Node: nothing of this checkout is on its module path.
    const run = spawnSync(
      process.execPath,
      [join(project, 'out', 'consumer.js'), SAMPLE, join(work, 'data')],
      {
        cwd: project,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    assert.equal(run.status, 0, `the consumer failed:\n${run.stderr}`);
    const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      id: string;
      labels: string[];
      info: {
        id: string;
        kind: string;
        corpora: string[];
        labels: string[];
        title: string;
        card: { title: string };
      };
      fromFile: { label: string; confidence: number; probabilities: Record<string, number> };
      served: {
        health: number;
        predict: number;
        body: { label: string; probabilities: Record<string, number> };
      };
      mounted: { status: number; body: { status: string } };
      own: string;
    };
    const manifest = JSON.parse(readFileSync(join(ROOT, 'models/default/emovox.json'), 'utf8')) as {
      labels: string[];
      kind: string;
    };
    assert.equal(out.id, 'default');
    assert.deepEqual(out.labels, manifest.labels);
    assert.equal(out.info.kind, manifest.kind);
    assert.deepEqual(out.info.corpora, ['emodb', 'ravdess', 'ased']);
    assert.match(out.info.card.title, /default model/i);
    assert.ok(manifest.labels.includes(out.fromFile.label), `predicted label ${out.fromFile.label}`);
    const sum = Object.values(out.fromFile.probabilities).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-4, `probabilities sum to 1 (${sum})`);
    assert.equal(out.served.health, 200);
    assert.equal(out.served.predict, 200);
    assert.equal(out.served.body.label, out.fromFile.label, 'the server answers what the library does');
    for (const l of manifest.labels) {
      assert.ok(Math.abs(out.served.body.probabilities[l] - out.fromFile.probabilities[l]) < 1e-6);
    }
    assert.equal(out.mounted.status, 200, 'the plugin answers under its prefix');
    assert.equal(out.mounted.body.status, 'ok');
    assert.equal(out.own, 'the host app', "the host app's own routes still work");
  },
);
