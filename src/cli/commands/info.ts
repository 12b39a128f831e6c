/**
 * `emovox info FILE... [--json]`: what each audio file is (duration, sample rate, channels,
 * codec, container, peak level), read from the source before any resampling.
 */
import { isUserFacing } from '../../core/errors.js';
import type { Command } from 'commander';
import { peak } from '../../core/audio/signal.js';
import { decodeFileSource, type SourceInfo } from '../../node/decode.js';

export interface FileInfo extends SourceInfo {
  file: string;
  /** Peak level in dBFS over all channels; null for digital silence. */
  peakDbfs: number | null;
  silent: boolean;
}

export async function inspectFile(file: string): Promise<FileInfo> {
  const { channels, source } = await decodeFileSource(file);
  const p = Math.max(...channels.map(peak));
  const silent = p < 1e-7;
  return { file, ...source, peakDbfs: silent ? null : Math.round(200 * Math.log10(p)) / 10, silent };
}

function formatText(i: FileInfo): string {
  const rows: [string, string][] = [
    ['duration', `${i.durationSec.toFixed(3)} s`],
    ['sample rate', `${i.sampleRate} Hz`],
    ['channels', String(i.channels)],
    ['codec', i.codec],
    ['container', i.container],
    ['peak', i.silent ? 'digital silence' : `${i.peakDbfs!.toFixed(1)} dBFS`],
  ];
  return [i.file, ...rows.map(([k, v]) => `  ${k.padEnd(12)}${v}`)].join('\n');
}

function errorLine(err: unknown): { code: string; message: string } {
  if (isUserFacing(err)) return { code: err.code, message: err.message };
  throw err;
}

export function register(program: Command): void {
  program
    .command('info')
    .description('Print duration, sample rate, channels, codec and container of audio files')
    .argument('<files...>', 'audio files (WAV, FLAC, MP3, Ogg Vorbis/Opus, WebM, M4A)')
    .option('--json', 'print one JSON array instead of text')
    .action(async (files: string[], opts: { json?: boolean }) => {
      const results: (FileInfo | { file: string; error: { code: string; message: string } })[] = [];
      for (const file of files) {
        try {
          const info = await inspectFile(file);
          results.push(info);
          if (!opts.json) process.stdout.write(formatText(info) + '\n');
        } catch (err) {
          const error = errorLine(err);
          results.push({ file, error });
          process.stderr.write(`emovox: ${error.message}\n`);
          process.exitCode = 2;
        }
      }
      if (opts.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
    });
}
