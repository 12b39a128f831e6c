/** Corpus readers: each maps its labels onto the canonical emotions and keeps the speaker id. */
import { readAsed } from './ased.js';
import { readEmodb } from './emodb.js';
import { readFolderCorpus } from './folder.js';
import { readManifestCorpus } from './manifest.js';
import { readRavdess } from './ravdess.js';
import { CORPUS_KINDS, CorpusError, type CorpusKind, type CorpusReadResult } from './types.js';

export * from './types.js';
export { parseEmodbName, readEmodb } from './emodb.js';
export { parseRavdessName, readRavdess } from './ravdess.js';
export { parseAsedName, readAsed, dropByteIdentical } from './ased.js';
export { listNoise, readNoise, type NoiseRecording } from './noise.js';
export { readFolderCorpus } from './folder.js';
export { readManifestCorpus } from './manifest.js';
export { summariseCorpus, formatCorpusSummary, type CorpusSummary } from './summary.js';

export function readCorpus(kind: CorpusKind, dir: string): Promise<CorpusReadResult> {
  switch (kind) {
    case 'emodb':
      return readEmodb(dir);
    case 'ravdess':
      return readRavdess(dir);
    case 'ased':
      return readAsed(dir);
    case 'folder':
      return readFolderCorpus(dir);
    case 'manifest':
      return readManifestCorpus(dir);
    default:
      throw new CorpusError(`unknown corpus kind '${String(kind)}' (accepted: ${CORPUS_KINDS.join(', ')})`);
  }
}
export {
  parseCorpusSpecs,
  corporaRoot,
  readCorpora,
  multiCorpusLabels,
  describeCorpusUse,
  DEFAULT_DATASETS_DIR,
  type CorpusSpec,
  type CorpusUse,
  type CorporaReadResult,
} from './corpora.js';
