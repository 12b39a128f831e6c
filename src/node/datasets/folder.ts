/**
 * Folder-per-label layout: `DIR/<label>/<file>` or `DIR/<label>/<speaker>/<file>`. Folder
 * names are mapped onto the canonical emotions (common English names and synonyms, any case).
 */
import { readdir } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { EMOTIONS, canonicalEmotion } from '../../core/labels.js';
import { isAudioName, listFiles, requireDir, sniffAudio } from './files.js';
import type { CorpusProblem, CorpusReadResult, Utterance } from './types.js';

export async function readFolderCorpus(dir: string): Promise<CorpusReadResult> {
  const root = resolve(dir);
  requireDir(root, 'corpus');
  const utterances: Utterance[] = [];
  const problems: CorpusProblem[] = [];
  const entries = (await readdir(root, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
  for (const e of entries.filter((x) => !x.isDirectory())) {
    problems.push({
      path: join(root, e.name),
      reason: 'file is not inside a label folder (layout: DIR/<label>/<file>)',
    });
  }
  for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const labelDir = join(root, e.name);
    const label = canonicalEmotion(e.name);
    const files = await listFiles(labelDir);
    if (!label) {
      const reason = `folder name '${e.name}' is not a known emotion (accepted: ${EMOTIONS.join(', ')} and synonyms such as happy, sad, angry)`;
      for (const path of files) problems.push({ path, reason });
      if (files.length === 0) problems.push({ path: labelDir, reason });
      continue;
    }
    for (const path of files) {
      if (!isAudioName(path)) {
        problems.push({
          path,
          reason: 'not an audio file name (accepted: .wav .flac .mp3 .ogg .opus .webm .m4a)',
        });
        continue;
      }
      const bad = await sniffAudio(path);
      if (bad) {
        problems.push({ path, reason: bad });
        continue;
      }
      const parts = relative(labelDir, path).split(sep);
      const speaker = parts.length > 1 ? parts[0] : 'unknown';
      utterances.push({ path, label, speaker, corpus: 'folder', rawLabel: e.name });
    }
  }
  if (utterances.length === 0 && problems.length === 0) {
    problems.push({ path: root, reason: 'no label folders with audio found (layout: DIR/<label>/<file>)' });
  }
  return { utterances, problems };
}
