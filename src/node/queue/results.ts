/**
 * The results store: Redis hashes beside BullMQ's keys but not part of any queue, so they
 * survive the queue being emptied, cleaned or obliterated. Redis rather than the SQLite store
 * (src/node/store) because workers run on many machines and all of them must write to one
 * place; SQLite is one file on one machine. Size: about 0.5 KB per recording (more with a
 * timeline), so 1 M recordings take about 0.5-1 GB of Redis memory; export them with
 * `emovox queue results` and delete the keys when done.
 *
 * Keys, per model key M (src/node/queue/model-key.ts), under the prefix P:
 *   P:results:M  job id -> JSON record (a score or a permanent failure), written once (HSETNX)
 *   P:sources:M  job id -> the first path/URL added with that content
 *   P:aliases:M  another path/URL with the same content -> job id (one line each in the export)
 *   P:counts:M   ok, failed (permanent), rewrites (a second write attempt, refused), added
 */
import type { Redis } from 'ioredis';
import type { Prediction } from '../../core/predict.js';
import type { TimelineSummary } from '../../core/speech-timeline.js';

export interface SegmentRecord {
  startSec: number;
  endSec: number;
  label: string;
  emoji: string;
  confidence: number;
  probabilities: Record<string, number>;
}

export interface ScoredRecord {
  file: string;
  hash: string;
  model: string;
  label: string;
  emoji: string;
  confidence: number;
  probabilities: Record<string, number>;
  /** Length of the recording and of the speech that was classified, s. */
  durationSec: number;
  speechSec: number;
  /** --timeline: one entry per speech segment, and the share of speech time in each emotion. */
  segments?: SegmentRecord[];
  summary?: TimelineSummary;
  scoredAt: string;
}

export interface FailedRecord {
  file: string;
  hash: string;
  model: string;
  error: string;
  code: string;
  failedAt: string;
}

export type ResultRecord = ScoredRecord | FailedRecord;

export function isFailed(r: ResultRecord): r is FailedRecord {
  return 'error' in r;
}

export function predictionFields(
  p: Prediction,
): Pick<ScoredRecord, 'label' | 'emoji' | 'confidence' | 'probabilities'> {
  return { label: p.label, emoji: p.emoji, confidence: p.confidence, probabilities: p.probabilities };
}

/**
 * KEYS: results, counts; ARGV: job id, record, counter field. 1 = written, 0 = already there.
 * The very same record already there is this write delivered again, not a second result:
 * ioredis sends a command again after a reconnection when its reply was lost, e.g. when Redis
 * was killed after running it. Every scoring has its own `scoredAt`, so a record scored twice
 * never matches and is counted in `rewrites`.
 */
const PUT_ONCE = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
  return 1
end
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  return 1
end
redis.call('HINCRBY', KEYS[2], 'rewrites', 1)
return 0`;

/**
 * KEYS: sources, aliases, results, counts; ARGV: job id, source.
 * Returns {state, scored}: state 1 = new content, 0 = this source was added before,
 * 2 = same content as another source (recorded as an alias); scored = 1 when a result exists.
 */
const REGISTER = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local scored = redis.call('HEXISTS', KEYS[3], ARGV[1])
if not cur then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('HINCRBY', KEYS[4], 'added', 1)
  return {1, scored}
end
if cur == ARGV[2] then return {0, scored} end
if redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[4], 'aliases', 1)
end
return {2, scored}`;

type WithScripts = Redis & {
  emovoxPutOnce(results: string, counts: string, id: string, json: string, field: string): Promise<number>;
  emovoxRegister(
    sources: string,
    aliases: string,
    results: string,
    counts: string,
    id: string,
    source: string,
  ): Promise<[number, number]>;
};

export interface StoreCounts {
  ok: number;
  failed: number;
  rewrites: number;
  added: number;
  aliases: number;
}

export class ResultsStore {
  private readonly r: WithScripts;

  constructor(
    redis: Redis,
    readonly prefix: string,
    readonly modelKey: string,
  ) {
    if (!('emovoxPutOnce' in redis)) {
      redis.defineCommand('emovoxPutOnce', { numberOfKeys: 2, lua: PUT_ONCE });
      redis.defineCommand('emovoxRegister', { numberOfKeys: 4, lua: REGISTER });
    }
    this.r = redis as WithScripts;
  }

  private key(kind: 'results' | 'sources' | 'aliases' | 'counts'): string {
    return `${this.prefix}:${kind}:${this.modelKey}`;
  }

  /** Stores a job's record unless one is there already; true when this call wrote it. */
  async putOnce(jobId: string, record: ResultRecord): Promise<boolean> {
    const field = isFailed(record) ? 'failed' : 'ok';
    const n = await this.r.emovoxPutOnce(
      this.key('results'),
      this.key('counts'),
      jobId,
      JSON.stringify(record),
      field,
    );
    return n === 1;
  }

  async has(jobId: string): Promise<boolean> {
    return (await this.r.hexists(this.key('results'), jobId)) === 1;
  }

  async get(jobId: string): Promise<ResultRecord | null> {
    const s = await this.r.hget(this.key('results'), jobId);
    return s === null ? null : (JSON.parse(s) as ResultRecord);
  }

  /** Records that `source` has content `jobId` (see REGISTER), for a batch in one round trip. */
  async register(items: { jobId: string; source: string }[]): Promise<{ state: number; scored: boolean }[]> {
    const p = this.r.pipeline();
    for (const it of items) {
      (p as unknown as WithScripts).emovoxRegister(
        this.key('sources'),
        this.key('aliases'),
        this.key('results'),
        this.key('counts'),
        it.jobId,
        it.source,
      );
    }
    const out = (await p.exec()) ?? [];
    return out.map(([err, v]) => {
      if (err) throw err;
      const [state, scored] = v as [number, number];
      return { state, scored: scored === 1 };
    });
  }

  async counts(): Promise<StoreCounts> {
    const h = await this.r.hgetall(this.key('counts'));
    const n = (k: string) => Number(h[k] ?? 0);
    return {
      ok: n('ok'),
      failed: n('failed'),
      rewrites: n('rewrites'),
      added: n('added'),
      aliases: n('aliases'),
    };
  }

  /**
   * Every record, one per recording: each stored record, then one per alias (another path with
   * the same content) carrying that path. Streamed with HSCAN, `count` fields per round trip;
   * HSCAN may return a field twice while Redis resizes the hash, so the job ids already written
   * are remembered (about 100 bytes each).
   */
  async *records(count = 500): AsyncGenerator<ResultRecord> {
    const seen = new Set<string>();
    for await (const batch of this.r.hscanStream(this.key('results'), { count })) {
      const kv = batch as string[];
      for (let i = 0; i < kv.length; i += 2) {
        if (seen.has(kv[i])) continue;
        seen.add(kv[i]);
        yield JSON.parse(kv[i + 1]) as ResultRecord;
      }
    }
    seen.clear();
    for await (const batch of this.r.hscanStream(this.key('aliases'), { count })) {
      const kv = batch as string[];
      const pairs: { file: string; jobId: string }[] = [];
      for (let i = 0; i < kv.length; i += 2) {
        if (!seen.has(kv[i])) pairs.push({ file: kv[i], jobId: kv[i + 1] });
        seen.add(kv[i]);
      }
      if (pairs.length === 0) continue;
      const recs = await this.r.hmget(this.key('results'), ...pairs.map((p) => p.jobId));
      for (let i = 0; i < pairs.length; i++) {
        if (recs[i] !== null) yield { ...(JSON.parse(recs[i]!) as ResultRecord), file: pairs[i].file };
      }
    }
  }
}
