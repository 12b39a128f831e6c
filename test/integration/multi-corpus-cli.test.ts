import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { writeToneCorpus } from '../helpers/tone-corpus.js';

let dir: string;
let manifest: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'emovox-multi-'));
  writeToneCorpus(join(dir, 'a'), 2, 3, 7);
  // The second corpus as a manifest whose speaker ids clash with the first's (s1, s2).
  const files = writeToneCorpus(join(dir, 'b'), 2, 2, 9);
  manifest = join(dir, 'b.tsv');
  const rows = files.map((f) => {
    const [label, speaker] = relative(join(dir, 'b'), f).split('/');
    return `${f}\t${speaker}\t${label}`;
  });
  writeFileSync(manifest, ['file\tspeaker\tlabel', ...rows].join('\n') + '\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

function emovox(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
}

test('evaluate --corpus folder,manifest with one --data each: merged, speakers prefixed by corpus', () => {
  const json = join(dir, 'eval.json');
  const r = emovox([
    'evaluate',
    ...['--corpus', 'folder,manifest', '--data', join(dir, 'a'), '--data', manifest],
    ...['--model', 'svm', '--no-cache', '--json', json],
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /folder: 18 utterances of 2 speakers used/);
  assert.match(r.stderr, /manifest: 12 utterances of 2 speakers used/);
  assert.match(r.stderr, /30 utterances, 4 speakers; 4 folds/);
  const doc = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(doc.corpus, 'folder,manifest');
  assert.equal(doc.data, dir, 'paths are keyed by the folder holding both corpora');
  assert.deepEqual(doc.folds.map((f: { name: string }) => f.name).sort(), [
    'speaker folder:s1',
    'speaker folder:s2',
    'speaker manifest:s1',
    'speaker manifest:s2',
  ]);
});

test('a wrong --corpus list or --data count is one clear line, exit 2', () => {
  const bad = emovox(['evaluate', '--corpus', 'emodb,opera', '--model', 'svm']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown corpus kind 'opera' \(accepted: emodb, ravdess, ased, folder, manifest/);
  const count = emovox([
    'evaluate',
    '--corpus',
    'folder,manifest',
    '--data',
    'x',
    '--data',
    'y',
    '--data',
    'z',
  ]);
  assert.equal(count.status, 2);
  assert.match(count.stderr, /give one --data per corpus \(2 for folder,manifest\)/);
});

test('train --write-manifest over two corpora from the command line', () => {
  const out = join(dir, 'both.tsv');
  const r = emovox([
    'train',
    ...['--corpus', 'folder,manifest', '--data', join(dir, 'a'), '--data', manifest],
    ...['--model', 'svm-linear', '--write-manifest', out],
  ]);
  assert.equal(r.status, 0, r.stderr);
  const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1);
  assert.equal(rows.length, 30);
  assert.deepEqual([...new Set(rows.map((l) => l.split('\t')[2]))].sort(), [
    'folder:s1',
    'folder:s2',
    'manifest:s1',
    'manifest:s2',
  ]);
});
