/**
 * Which model a job is scored with. Each model has its own BullMQ queue and its own results,
 * named by the model key: the bundle folder's name and the first 12 hex digits of the SHA-256
 * of its emovox.json, so every machine holding the same bundle agrees on the key and a
 * retrained bundle under the same name gets new results instead of mixing with the old ones.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { MANIFEST_FILE } from '../../core/bundle.js';

export interface QueueModel {
  /** The bundle folder (absolute). */
  dir: string;
  /** `<folder name>-<12 hex of the manifest hash>`, safe in Redis keys and BullMQ names. */
  key: string;
  /** The bundle's labels, in its order (the CSV columns). */
  labels: string[];
}

export function queueModel(dir: string): QueueModel {
  const text = readFileSync(join(dir, MANIFEST_FILE));
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 12);
  const name = basename(dir).replace(/[^A-Za-z0-9_.-]/g, '_');
  const labels = (JSON.parse(text.toString('utf8')) as { labels: string[] }).labels;
  return { dir, key: `${name}-${digest}`, labels };
}

/** The BullMQ queue that holds one model's jobs. */
export function queueName(modelKey: string): string {
  return `score.${modelKey}`;
}
