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
    repeated,
    [] as string[],
  );
}

/** A repeatable option's collector: every value given, in order. */
const repeated = (v: string, prev: string[]): string[] => [...prev, v];

/** The `--pretrain` / `--pretrain-data` pair of train and evaluate (src/node/train/pretrain.ts). */
export interface PretrainCliOptions {
  /** Other corpus kinds, comma-separated. */
  pretrain?: string;
  /** One folder per --pretrain corpus, one parent folder, or none. */
  pretrainData: string[];
}

export function addPretrainOptions(cmd: Command, pretrainHelp: string): Command {
  return cmd
    .option('--pretrain <corpora>', pretrainHelp)
    .option(
      '--pretrain-data <dir>',
      'folder of a --pretrain corpus; repeat once per corpus, or one folder holding <corpus>/ folders; default ../shared/datasets/<corpus>',
      repeated,
      [] as string[],
    );
}
