import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The tiny deep fixture bundle (test/fixtures/bundles/tiny). */
export const TINY_BUNDLE = resolve(fileURLToPath(new URL('../fixtures/bundles/tiny', import.meta.url)));

/**
 * A copy of the tiny bundle under `dir` whose manifest carries a calibration that makes every
 * prediction uncertain (temperature 50 flattens it towards uniform; threshold 0.9).
 */
export function uncertainBundle(dir: string, name = 'tiny-uncertain'): string {
  const out = join(dir, name);
  cpSync(TINY_BUNDLE, out, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(out, 'emovox.json'), 'utf8'));
  manifest.calibration = { temperature: 50, uncertainBelow: 0.9 };
  writeFileSync(join(out, 'emovox.json'), JSON.stringify(manifest, null, 2));
  return out;
}
