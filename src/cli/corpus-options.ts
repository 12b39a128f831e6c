/**
 * The `--corpus` / `--data` pair of train and evaluate: one corpus kind or several
 * comma-separated, and one `--data` per corpus, one folder holding `<corpus>/` folders, or none
 * for ../shared/datasets/<corpus> (src/node/datasets/corpora.ts parses them).
 */
import type { Command } from 'commander';
import { CORPUS_KINDS } from '../node/datasets/index.js';

export interface CorpusCliOptions {
  /** One corpus kind or several, comma-separated. */
  corpus?: string;
  /** One per corpus, one parent folder, or none. */
  data: string[];
}

export function addCorpusOptions(cmd: Command, { required }: { required: boolean }): Command {
  const corpusHelp = `corpus layout (${CORPUS_KINDS.join(', ')}), or several comma-separated: merged with speakers prefixed by corpus, on the five shared emotions plus disgust`;
  return (
    required ? cmd.requiredOption('--corpus <kinds>', corpusHelp) : cmd.option('--corpus <kinds>', corpusHelp)
  ).option(
    '--data <dir>',
    'corpus folder (or manifest file for --corpus manifest); repeat once per corpus, or one folder holding emodb/ ravdess/ ased/; default ../shared/datasets/<corpus>',
    (v: string, prev: string[]) => [...prev, v],
    [] as string[],
  );
}
