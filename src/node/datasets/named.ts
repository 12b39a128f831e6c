/**
 * Shared reader for corpora whose labels are encoded in file names (EMO-DB, RAVDESS): parse
 * every audio file's name, sniff that it is readable audio, and cross-check with the corpus's
 * MANIFEST.tsv (file, speaker, emotion) when present. Nothing is dropped silently: every file
 * that cannot be used lands in `problems` with the reason.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { canonicalEmotion, type Emotion } from '../../core/labels.js';
import { isAudioName, listFiles, parseTable, requireDir, sniffAudio } from './files.js';
import type { CorpusProblem, CorpusReadResult, Utterance } from './types.js';

export type ParsedName = { label: Emotion; speaker: string; rawLabel: string } | { error: string };

export async function readNamedCorpus(
  corpus: string,
  dir: string,
  parseName: (fileName: string) => ParsedName,
): Promise<CorpusReadResult> {
  const root = resolve(dir);
  requireDir(root, corpus);
  const utterances: Utterance[] = [];
  const problems: CorpusProblem[] = [];
  const files = (await listFiles(root)).filter((f) => isAudioName(f));
  for (const path of files) {
    const parsed = parseName(basename(path));
    if ('error' in parsed) {
      problems.push({ path, reason: parsed.error });
      continue;
    }
    const bad = await sniffAudio(path);
    if (bad) {
      problems.push({ path, reason: bad });
      continue;
    }
    utterances.push({ path, corpus, ...parsed });
  }
  const manifestPath = join(root, 'MANIFEST.tsv');
  if (existsSync(manifestPath)) {
    return crossCheck(
      { utterances, problems },
      parseTable(await readFile(manifestPath, 'utf8'), manifestPath),
      root,
      manifestPath,
    );
  }
  if (utterances.length === 0 && problems.length === 0) {
    problems.push({ path: root, reason: `no audio files found for corpus ${corpus}` });
  }
  return { utterances, problems };
}

function crossCheck(
  found: CorpusReadResult,
  rows: Record<string, string>[],
  root: string,
  manifestPath: string,
): CorpusReadResult {
  const byRel = new Map(found.utterances.map((u) => [relative(root, u.path).split(sep).join('/'), u]));
  const problems = [...found.problems];
  const rejected = new Set<Utterance>();
  for (const row of rows) {
    const rel = row.file;
    if (!rel) continue;
    const u = byRel.get(rel);
    const path = join(root, rel);
    if (!u) {
      if (!existsSync(path))
        problems.push({ path, reason: `listed in ${basename(manifestPath)} but missing` });
      continue;
    }
    if (row.emotion && (canonicalEmotion(row.emotion) ?? row.emotion) !== u.label) {
      problems.push({
        path,
        reason: `file name says ${u.label} but ${basename(manifestPath)} says ${row.emotion}`,
      });
      rejected.add(u);
    } else if (row.speaker && row.speaker !== u.speaker) {
      problems.push({
        path,
        reason: `file name says speaker ${u.speaker} but ${basename(manifestPath)} says ${row.speaker}`,
      });
      rejected.add(u);
    }
  }
  return { utterances: found.utterances.filter((u) => !rejected.has(u)), problems };
}
