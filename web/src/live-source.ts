import { apiKey, type Prediction, type RequestChoice } from './api.js';
import type { LocalEngine } from './engine.js';
import { createStreamResampler, type StreamResampler } from '../../src/core/audio/resample.js';
import { SpeechSegmenter } from '../../src/core/vad/segmenter.js';

/** What live mode hears: speech starting, the emotion of the speech so far, a finished segment. */
export interface LiveEvents {
  speechStart(startSec: number): void;
  partial(p: Prediction, startSec: number, endSec: number): void;
  segment(p: Prediction, startSec: number, endSec: number): void;
  /** The stream stopped with an error (the server's message). */
  failed(err: Error): void;
}

/** Where live audio goes: the server's /api/stream, or the VAD and model in this page. */
export interface LiveSource {
  push(samples: Float32Array, sampleRateHz: number): void;
  /** Flushes the open segment, then stops. */
  stop(): Promise<void>;
}

/** The WebSocket URL of the server's stream endpoint. */
export function streamUrl(loc: Location = window.location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/api/stream`;
}

/**
 * Streams float32 PCM to GET /api/stream and turns its events into LiveEvents. Resolves once
 * the server has answered `ready`.
 */
export function serverSource(
  sampleRateHz: number,
  choice: RequestChoice,
  events: LiveEvents,
): Promise<LiveSource> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(streamUrl());
    ws.binaryType = 'arraybuffer';
    let ready = false;
    let ended: (() => void) | null = null;
    ws.onopen = () =>
      ws.send(
        JSON.stringify({
          type: 'start',
          format: 'float32',
          sampleRate: sampleRateHz,
          ...(choice.model ? { model: choice.model } : {}),
          ...(choice.speaker ? { speaker: choice.speaker } : {}),
          // A browser cannot set headers on a WebSocket: the key (if the server has one) goes here.
          ...(apiKey() ? { apiKey: apiKey() } : {}),
        }),
      );
    ws.onmessage = (m: MessageEvent<string>) => {
      const e = JSON.parse(m.data) as Record<string, unknown> & Prediction & { type: string };
      const span = [e.startSec as number, e.endSec as number] as const;
      switch (e.type) {
        case 'ready':
          ready = true;
          resolve({
            push: (samples) => {
              if (ws.readyState === WebSocket.OPEN) ws.send(samples.slice().buffer);
            },
            stop: () =>
              new Promise<void>((done) => {
                if (ws.readyState !== WebSocket.OPEN) return done();
                ended = done;
                ws.send(JSON.stringify({ type: 'end' }));
                window.setTimeout(() => ws.close(), 5000);
              }),
          });
          break;
        case 'speech-start':
          events.speechStart(e.startSec as number);
          break;
        case 'partial':
          events.partial(e, ...span);
          break;
        case 'segment':
          events.segment(e, ...span);
          break;
        case 'error': {
          const err = new Error(`Live stream stopped: ${String(e.message)}`);
          if (ready) events.failed(err);
          else reject(err);
        }
      }
    };
    ws.onerror = () => {
      if (!ready) reject(new Error('Could not open the live stream to the server (/api/stream).'));
    };
    ws.onclose = () => {
      ended?.();
      if (!ready) reject(new Error('The server closed the live stream before it started.'));
    };
  });
}

/**
 * The same VAD as the server (src/core/vad) and the in-page model: nothing leaves the page.
 * Classifications run one at a time; a partial is skipped while one is running.
 */
export function pageSource(engine: LocalEngine, events: LiveEvents): LiveSource {
  const rate = engine.sampleRateHz;
  const seg = new SpeechSegmenter({ sampleRate: rate, partialEverySec: 1 });
  let chain: Promise<void> = Promise.resolve();
  let busy = false;
  const handle = (list: ReturnType<SpeechSegmenter['push']>) => {
    for (const e of list) {
      if (e.type === 'speech-start') {
        chain = chain.then(() => events.speechStart(e.startSec));
      } else if (e.type === 'partial') {
        if (busy) continue;
        busy = true;
        chain = chain
          .then(async () => events.partial(await engine.predict(e.samples), e.startSec, e.endSec))
          .finally(() => (busy = false));
      } else {
        chain = chain.then(async () => events.segment(await engine.predict(e.samples), e.startSec, e.endSec));
      }
      chain = chain.catch((err: unknown) => events.failed(err as Error));
    }
  };
  // Audio at another rate goes through a stream resampler (created on first use), in order.
  let resampler: Promise<StreamResampler> | null = null;
  let feed: Promise<void> = Promise.resolve();
  return {
    push: (samples, sampleRateHz) => {
      if (sampleRateHz === rate && !resampler) return handle(seg.push(samples));
      resampler ??= createStreamResampler(sampleRateHz, rate);
      const r = resampler;
      feed = feed.then(async () => handle(seg.push((await r).push(samples))));
    },
    stop: async () => {
      await feed;
      handle(seg.flush());
      await chain;
    },
  };
}
