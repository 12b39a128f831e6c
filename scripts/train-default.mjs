#!/usr/bin/env node
// `npm run train:default`: trains the shipped bundles from their configs, one after the
// other, with `emovox train --config` (which renders each MODEL_CARD.md and the manifest card
// from configs/model-card.template.md and the evaluation JSON files the config names):
//   configs/default.json       -> models/default        (EMO-DB + RAVDESS + ASED, 6 emotions, channel-robust)
//   configs/emodb.json         -> models/emodb          (EMO-DB, 7 emotions; the default until issue 9)
//   configs/emodb-ravdess.json -> models/emodb-ravdess  (EMO-DB + RAVDESS, 6 shared emotions)
// Usage: node scripts/train-default.mjs [--only NAME] [--pair CONFIG:OUT ...] [-- extra train args]
//   --only default|emodb|emodb-ravdess   train one of them
//   --pair CONFIG:OUT              train these instead (repeatable; used by the tests)
// Evaluation figures are not computed here (a deep LOSO takes hours): produce the files named
// in each config's "evaluation" with `emovox evaluate ... --json FILE` first; the card says
// when one is missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_PAIRS = [
  { name: 'default', config: 'configs/default.json', out: 'models/default' },
  { name: 'emodb', config: 'configs/emodb.json', out: 'models/emodb' },
  { name: 'emodb-ravdess', config: 'configs/emodb-ravdess.json', out: 'models/emodb-ravdess' },
];

function parseArgs(argv) {
  const dash = argv.indexOf('--');
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const extra = dash >= 0 ? argv.slice(dash + 1) : [];
  let pairs = [];
  let only = null;
  for (let i = 0; i < own.length; i++) {
    if (own[i] === '--only') only = own[++i];
    else if (own[i] === '--pair') {
      const [config, out] = String(own[++i]).split(':');
      if (!config || !out) fail(`--pair needs CONFIG:OUT, got '${own[i]}'`);
      pairs.push({ name: config, config, out });
    } else
      fail(`unknown argument '${own[i]}' (accepted: --only NAME, --pair CONFIG:OUT, -- extra train args)`);
  }
  if (pairs.length === 0) pairs = DEFAULT_PAIRS;
  if (only !== null) {
    pairs = pairs.filter((p) => p.name === only);
    if (pairs.length === 0)
      fail(`--only accepts ${DEFAULT_PAIRS.map((p) => p.name).join(' or ')}, got '${only}'`);
  }
  return { pairs, extra };
}

function fail(message) {
  console.error(`train-default: ${message}`);
  process.exit(2);
}

const { pairs, extra } = parseArgs(process.argv.slice(2));
for (const p of pairs) {
  if (!existsSync(p.config)) fail(`config ${p.config} not found (run from the repository root)`);
  const args = [
    '--import',
    'tsx',
    join(ROOT, 'src/cli/main.ts'),
    'train',
    '--config',
    p.config,
    '--out',
    p.out,
    ...extra,
  ];
  console.log(`\n== ${p.config} -> ${p.out}\n$ emovox ${args.slice(3).join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (r.status !== 0) fail(`training ${p.config} failed (exit ${r.status ?? r.signal})`);
  console.log(`== ${p.out} written in ${((Date.now() - t0) / 60000).toFixed(1)} min`);
}
