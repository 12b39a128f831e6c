/**
 * `emovox predict --timeline FILE...`: a recording of any length, read and decoded piece by
 * piece (src/node/decode.ts decodeFileStream), cut into speech segments by the VAD, one emotion
 * per segment, then the file's summary (share of speech time in each emotion). Memory holds a
 * few seconds of audio plus the open segment (at most --max-segment seconds), not the file.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Predictor } from '../../core/predict.js';
import {
  DEFAULT_TIMELINE_MAX_SEGMENT_SEC,
  speechTimeline,
  summariseTimeline,
  type SpeechTimelineEntry,
  type TimelineSummary,
} from '../../core/speech-timeline.js';
import { NoSpeechError } from '../../core/vad/index.js';
import { decodeFileStream } from '../../node/decode.js';

export interface TimelineOptions {
  json?: boolean;
  csv?: string;
  maxSegment?: string;
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;

export function timelineJson(file: string, e: SpeechTimelineEntry): string {
  const p = e.prediction;
  return JSON.stringify({
    file,
    startSec: r3(e.startSec),
    endSec: r3(e.endSec),
    label: p.label,
    emoji: p.emoji,
    confidence: p.confidence,
    probabilities: p.probabilities,
  });
}

export function timelineHuman(e: SpeechTimelineEntry): string {
  const p = e.prediction;
  return `${e.startSec.toFixed(2).padStart(8)}-${e.endSec.toFixed(2).padStart(8)} s  ${p.emoji} ${p.label} ${(p.confidence * 100).toFixed(1)}%`;
}

export function summaryHuman(file: string, s: TimelineSummary): string {
  const shares = Object.entries(s.shares)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([l, v]) => `${l} ${(v * 100).toFixed(1)}%`)
    .join(', ');
  return `${file}: ${s.speechSec.toFixed(1)} s of speech in ${s.segments} segment${s.segments === 1 ? '' : 's'}: ${shares}`;
}

function csvRow(cells: (string | number)[]): string {
  return (
    cells
      .map((c) => (/[",\n\r]/.test(String(c)) ? `"${String(c).replace(/"/g, '""')}"` : String(c)))
      .join(',') + '\n'
  );
}

/** Runs the timeline of each file; stdout gets segments then the summary, --csv every segment. */
export async function runTimeline(
  files: string[],
  predictor: Predictor,
  opts: TimelineOptions,
): Promise<void> {
  const maxSegmentSec =
    opts.maxSegment !== undefined ? Number(opts.maxSegment) : DEFAULT_TIMELINE_MAX_SEGMENT_SEC;
  if (!(maxSegmentSec >= 1 && maxSegmentSec <= 120)) {
    throw Object.assign(new Error(`--max-segment must be 1..120 seconds, got ${opts.maxSegment}`), {
      code: 'BAD_OPTIONS',
    });
  }
  const labels = predictor.labels;
  const csv = opts.csv ? openSync(opts.csv, 'w') : null;
  if (csv !== null)
    writeSync(
      csv,
      csvRow([
        'file',
        'start_sec',
        'end_sec',
        'label',
        'emoji',
        'confidence',
        ...labels.map((l) => `p_${l}`),
      ]),
    );
  let failed = 0;
  try {
    for (const file of files) {
      const entries: SpeechTimelineEntry[] = [];
      let decodedSec = 0;
      try {
        const chunks = decodeFileStream(file, { targetSampleRate: predictor.sampleRate });
        const counted = (async function* () {
          for await (const c of chunks) {
            decodedSec += c.length / predictor.sampleRate;
            yield c;
          }
        })();
        for await (const e of speechTimeline(counted, (x) => predictor.predict(x), {
          sampleRate: predictor.sampleRate,
          maxSegmentSec,
        })) {
          entries.push(e);
          process.stdout.write((opts.json ? timelineJson(file, e) : timelineHuman(e)) + '\n');
          if (csv !== null)
            writeSync(
              csv,
              csvRow([
                file,
                r3(e.startSec),
                r3(e.endSec),
                e.prediction.label,
                e.prediction.emoji,
                e.prediction.confidence,
                ...labels.map((l) => e.prediction.probabilities[l]),
              ]),
            );
        }
        if (entries.length === 0) throw new NoSpeechError(decodedSec);
        const summary = summariseTimeline(entries, labels);
        process.stdout.write(
          (opts.json
            ? JSON.stringify({
                file,
                summary: { ...summary, speechSec: r3(summary.speechSec), durationSec: r3(decodedSec) },
              })
            : summaryHuman(file, summary)) + '\n',
        );
      } catch (err) {
        const e = err as { code?: unknown; message?: string };
        if (typeof e?.code !== 'string') throw err;
        failed++;
        const msg = e.message ?? String(err);
        process.stderr.write(`emovox: ${msg.startsWith(file) ? msg : `${file}: ${msg}`}\n`);
      }
    }
  } finally {
    if (csv !== null) closeSync(csv);
  }
  if (failed > 0) {
    if (files.length > 1) process.stderr.write(`emovox: ${failed} of ${files.length} files failed\n`);
    process.exitCode = 2;
  }
}
