#!/usr/bin/env node
// `npm start`: builds the CLI and the web page if the build is missing or older than the
// sources, then runs `emovox serve` with models/default and, when present, the other bundles
// in EXTRA_MODELS (extra arguments are passed on, e.g. `npm start -- --port 3000`). Stops with
// a clear message when there is no default model.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const MODEL = 'models/default';
/** Served too when present: the German 7-emotion model and the German + English one. */
const EXTRA_MODELS = ['models/emodb', 'models/emodb-ravdess'];
const ENTRY = 'dist/cli/main.js';

/** Newest modification time (ms) of any file under the given paths. */
function newest(paths) {
  let t = 0;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const s = statSync(p);
    if (s.isDirectory()) {
      for (const name of readdirSync(p))
        if (name !== 'dist' && name !== 'node_modules') t = Math.max(t, newest([join(p, name)]));
    } else t = Math.max(t, s.mtimeMs);
  }
  return t;
}

if (!existsSync(join(MODEL, 'emovox.json'))) {
  console.error(
    `npm start: no model bundle at ${MODEL}; train one with ` +
      '`npm run train:default` (needs ../shared/datasets), ' +
      'or run `npx tsx src/cli/main.ts serve --model DIR`',
  );
  process.exit(2);
}
const built =
  existsSync(ENTRY) && existsSync('web/dist/index.html')
    ? Math.min(statSync(ENTRY).mtimeMs, statSync('web/dist/index.html').mtimeMs)
    : 0;
if (built < newest(['src', 'web', 'package.json', 'tsconfig.json', 'tsconfig.build.json'])) {
  console.log('npm start: building (sources changed since the last build)...');
  const b = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const models = [MODEL, ...EXTRA_MODELS.filter((m) => existsSync(join(m, 'emovox.json')))];
const modelArgs = models.flatMap((m) => ['--model', m]);
const r = spawnSync(process.execPath, [ENTRY, 'serve', ...modelArgs, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
