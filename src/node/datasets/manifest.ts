/**
 * CSV/TSV manifest: a header with `file` (or `path`), `label` (or `emotion`) and optionally
 * `speaker`; file paths are relative to the manifest's folder. `target` may be the manifest
 * file itself or a folder holding manifest.tsv / manifest.csv / MANIFEST.tsv.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { EMOTIONS, canonicalEmotion } from '../../core/labels.js';
import { parseTable, sniffAudio } from './files.js';
import { CorpusError, type CorpusProblem, type CorpusReadResult, type Utterance } from './types.js';

const MANIFEST_NAMES = ['manifest.tsv', 'manifest.csv', 'MANIFEST.tsv', 'MANIFEST.csv'];

export function findManifest(target: string): string {
  const abs = resolve(target);
  if (!existsSync(abs)) throw new CorpusError(`manifest ${abs} does not exist`);
  if (statSync(abs).isFile()) return abs;
  for (const n of MANIFEST_NAMES) if (existsSync(join(abs, n))) return join(abs, n);
  throw new CorpusError(`no manifest in ${abs} (looked for ${MANIFEST_NAMES.join(', ')})`);
}

export async function readManifestCorpus(target: string): Promise<CorpusReadResult> {
  const manifestPath = findManifest(target);
  const base = dirname(manifestPath);
  const rows = parseTable(await readFile(manifestPath, 'utf8'), manifestPath);
  const first = rows[0] ?? {};
  const fileCol = 'file' in first ? 'file' : 'path' in first ? 'path' : undefined;
  const labelCol = 'label' in first ? 'label' : 'emotion' in first ? 'emotion' : undefined;
  if (rows.length > 0 && (!fileCol || !labelCol)) {
    throw new CorpusError(
      `${manifestPath} needs columns 'file' (or 'path') and 'label' (or 'emotion'); found: ${Object.keys(first).join(', ')}`,
    );
  }
  const utterances: Utterance[] = [];
  const problems: CorpusProblem[] = [];
  for (const [i, row] of rows.entries()) {
    const rel = row[fileCol!];
    const where = `${manifestPath}:${i + 2}`;
    if (!rel) {
      problems.push({ path: where, reason: 'row has no file' });
      continue;
    }
    const path = isAbsolute(rel) ? rel : join(base, rel);
    const raw = row[labelCol!];
    const label = canonicalEmotion(raw ?? '');
    if (!label) {
      problems.push({
        path,
        reason: `label '${raw}' (${where}) is not a known emotion (accepted: ${EMOTIONS.join(', ')} and synonyms)`,
      });
      continue;
    }
    const bad = await sniffAudio(path);
    if (bad) {
      problems.push({ path, reason: bad });
      continue;
    }
    utterances.push({ path, label, speaker: row.speaker || 'unknown', corpus: 'manifest', rawLabel: raw });
  }
  if (rows.length === 0) problems.push({ path: manifestPath, reason: 'manifest has a header but no rows' });
  return { utterances, problems };
}
