/**
 * The model card of a bundle trained from a config: a Markdown template with {{placeholders}}
 * (configs/model-card.template.md) filled with what the training run knows (corpora, labels,
 * members, date, command) and the figures of the `emovox evaluate --json` files the config
 * names. No figure is ever written by hand: a missing evaluation file is said as such.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TrainError } from '../options.js';
import { cardTemplatePath, type TrainConfig } from './config.js';

/** One model's headline figures from an evaluation JSON. */
export interface EvaluationFigures {
  file: string;
  model: string;
  corpus: string;
  protocol: string;
  protocolDescription: string;
  speakerNorm: boolean;
  tuned: boolean;
  uar: number;
  wa: number;
  macroF1: number;
  predictions: number | null;
  command: string;
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Reads the figures of one `emovox evaluate --json` document (one model or {models: [...]}). */
export function readEvaluationFigures(file: string, doc: unknown): EvaluationFigures[] {
  const d = doc as Record<string, unknown> | null;
  if (!d || typeof d !== 'object') throw new TrainError(`${file} is not an evaluation JSON object`);
  if (d.protocol === 'loco' && Array.isArray(d.results)) return locoFigures(file, d);
  const entries = (Array.isArray(d.models) ? d.models : [d]) as Record<string, unknown>[];
  return entries.map((e, i) => {
    if (!num(e.uar) || !num(e.wa) || !num(e.macroF1) || typeof e.model !== 'string') {
      throw new TrainError(
        `${file}${entries.length > 1 ? ` (model ${i + 1})` : ''} is not an emovox evaluate --json result (needs model, uar, wa, macroF1)`,
      );
    }
    const config = (e.config ?? {}) as Record<string, unknown>;
    const confusion = e.confusion as { matrix?: number[][] } | undefined;
    return {
      file,
      model: e.model,
      corpus: String(e.corpus ?? d.corpus ?? ''),
      protocol: String(e.protocol ?? d.protocol ?? ''),
      protocolDescription: String(config.protocolDescription ?? ''),
      speakerNorm: e.speakerNorm === true,
      tuned: e.tuned === true,
      uar: e.uar,
      wa: e.wa,
      macroF1: e.macroF1,
      predictions: Array.isArray(confusion?.matrix)
        ? confusion.matrix.flat().reduce((a: number, b: number) => a + b, 0)
        : null,
      command: String(d.command ?? ''),
    };
  });
}

/** One figure per held-out corpus and channel condition of an `evaluate --protocol loco --json` document. */
function locoFigures(file: string, d: Record<string, unknown>): EvaluationFigures[] {
  const results = d.results as {
    heldOut: string;
    trainCorpora: string[];
    conditions: { condition: string; n: number; uar: number; wa: number; macroF1: number; ece: number }[];
  }[];
  return results.flatMap((r) =>
    r.conditions.map((c) => {
      if (!num(c.uar) || !num(c.wa) || !num(c.macroF1)) {
        throw new TrainError(`${file}: held-out ${r.heldOut} ${c.condition} has no uar, wa and macroF1`);
      }
      return {
        file,
        model: String(d.model),
        corpus: `held-out ${r.heldOut} (trained on ${r.trainCorpora.join(' + ')})`,
        protocol: `loco, ${c.condition}`,
        protocolDescription:
          'leave-one-corpus-out: trained on the other corpora, tested on every clip of the unseen one (argmax over its labels), channel condition applied to the test clips',
        speakerNorm: false,
        tuned: (d.config as Record<string, unknown> | undefined)?.tuned === true,
        uar: c.uar,
        wa: c.wa,
        macroF1: c.macroF1,
        predictions: c.n,
        command: String(d.command ?? ''),
      };
    }),
  );
}

/** The evaluation files' texts and parsed figures; missing files are listed, not fatal. */
export function loadEvaluations(files: string[]): {
  figures: EvaluationFigures[];
  missing: string[];
  texts: Map<string, string>;
} {
  const figures: EvaluationFigures[] = [];
  const missing: string[] = [];
  const texts = new Map<string, string>();
  for (const f of files) {
    const abs = resolve(f);
    if (!existsSync(abs)) {
      missing.push(f);
      continue;
    }
    const text = readFileSync(abs, 'utf8');
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new TrainError(`${f} is not valid JSON`);
    }
    texts.set(abs, text);
    figures.push(...readEvaluationFigures(f, doc));
  }
  return { figures, missing, texts };
}

const pct = (v: number) => (v * 100).toFixed(1);

/** Markdown table of the figures: with and without per-speaker normalisation as separate rows. */
export function figuresTable(figures: EvaluationFigures[], missing: string[]): string {
  const lines: string[] = [];
  if (figures.length > 0) {
    lines.push(
      '| model | per-speaker normalisation | protocol | UAR % | WA % | macro-F1 % | predictions | file |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const f of figures) {
      lines.push(
        `| ${f.model}${f.tuned ? (f.protocol.startsWith('loco') ? ' (tuned by inner LOCO)' : ' (tuned by inner LOSO)') : ''} | ${f.speakerNorm ? 'yes (needs several clips of the speaker)' : 'no (what a single clip gets)'} | ${f.protocol}${f.corpus ? ` on ${f.corpus}` : ''} | ${pct(f.uar)} | ${pct(f.wa)} | ${pct(f.macroF1)} | ${f.predictions ?? ''} | \`${f.file}\` |`,
      );
    }
    const protocols = [...new Set(figures.map((f) => f.protocolDescription).filter(Boolean))];
    if (protocols.length > 0) lines.push('', `Protocol: ${protocols.join('; ')}.`);
  }
  for (const m of missing) {
    lines.push(
      '',
      `No evaluation figures: \`${m}\` does not exist (produce it with \`emovox evaluate ... --json ${m}\`).`,
    );
  }
  if (figures.length === 0 && missing.length === 0)
    lines.push('No evaluation file is named in the training config.');
  return lines.join('\n').trimStart();
}

export interface CardFacts {
  config: TrainConfig;
  kind: 'deep' | 'classical' | 'ensemble';
  labels: string[];
  /** One line per corpus: what was used and what was left out. */
  corpusLines: string[];
  /** One line per member. */
  memberLines: string[];
  figures: EvaluationFigures[];
  missing: string[];
  command: string;
  date: string;
}

function adaptationText(c: TrainConfig): string {
  const m = c.members.find((x) => x.kind === 'classical');
  if (!m || !m.speakerAdaptive)
    return 'This bundle does not adapt to the speaker: every clip is classified on its own.';
  return [
    `The classical member carries two pipelines. Given a speaker profile of at least ${m.minSpeakerUtterances}`,
    'clips of the same speaker (`emovox predict --speaker NAME`, or a profile kept by the server), it',
    "z-normalises the descriptors with that speaker's mean and standard deviation and uses the pipeline",
    'trained on per-speaker-normalised descriptors (the "per-speaker normalisation: yes" figures).',
    'With fewer clips it uses the pipeline trained on globally standardised descriptors, which is what a',
    'single clip from a stranger gets (the "no" figures). Each prediction says which path it took.',
  ].join('\n');
}

/** Fills {{name}} placeholders; an unknown placeholder is an error naming the accepted ones. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    if (!(key in values)) {
      throw new TrainError(
        `model card template uses {{${key}}}, which is not known (accepted: ${Object.keys(values).join(', ')})`,
      );
    }
    return values[key];
  });
}

/** The placeholder values of a card. */
export function cardValues(f: CardFacts): Record<string, string> {
  const licences = f.config.corpora
    .map((c) => `- ${c.name ?? c.kind}: ${c.licence ?? 'licence not given in the training config'}`)
    .join('\n');
  return {
    title: f.config.title,
    description: f.config.description,
    kind: f.kind,
    labels: f.labels.join(', '),
    corpora: f.corpusLines.map((l) => `- ${l}`).join('\n'),
    members: f.memberLines.map((l) => `- ${l}`).join('\n'),
    adaptation: adaptationText(f.config),
    figures: figuresTable(f.figures, f.missing),
    evaluationCommands:
      [...new Set(f.figures.map((x) => x.command).filter(Boolean))].map((c) => `    ${c}`).join('\n') ||
      '    (none recorded)',
    limits: f.config.card.limits,
    licences,
    command: f.command,
    date: f.date,
  };
}

/** Reads the template and renders the card. */
export function renderCard(f: CardFacts): string {
  const path = cardTemplatePath(f.config.card.template);
  let template: string;
  try {
    template = readFileSync(path, 'utf8');
  } catch {
    throw new TrainError(`model card template ${path} cannot be read`);
  }
  return fillTemplate(template, cardValues(f));
}
