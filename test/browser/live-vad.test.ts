/**
 * Live mode against speech and pauses: Debian chromium with a fake microphone looping
 * test/fixtures/browser/speech-pauses.wav (a 3.8 s sentence, then 3 s of silence), streamed to
 * GET /api/stream, then with the model in the page. Emotions appear only for the speech; the
 * pauses show "No speech heard" and add nothing to the timeline. Screenshots in
 * test-artifacts/browser/live-speech.png and live-pause.png.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { artifact, chromiumSkip, launchChromium } from './helpers/chromium.js';
import { serverSkip, startServer, type RunningServer } from './helpers/server.js';
import { ensureWebBuilt, ROOT } from './helpers/web-build.js';

const MIC = join(ROOT, 'test', 'fixtures', 'browser', 'speech-pauses.wav');
const SPEECH_SEC = 3.8;

describe('live mode hears speech and pauses', { skip: chromiumSkip || serverSkip }, () => {
  let server: RunningServer;
  let browser: { context: BrowserContext; close: () => Promise<void> };
  before(async () => {
    await ensureWebBuilt();
    server = await startServer();
    browser = await launchChromium(MIC);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Runs live mode for ~16 s, sampling what the "now" panel says; returns it and the timeline. */
  async function watchLive(page: Page, shots: boolean) {
    await page.getByRole('button', { name: 'Start live mode' }).click();
    const now = page.locator('#live-now');
    const states: { state: string; text: string }[] = [];
    let shotSpeech = !shots;
    let shotPause = !shots;
    const entries = page.locator('#live-timeline li');
    for (let i = 0; i < 80; i++) {
      const state = (await now.getAttribute('data-state')) ?? '';
      states.push({ state, text: (await now.textContent()) ?? '' });
      if (!shotSpeech && state === 'speech') {
        await page.screenshot({ path: artifact('live-speech.png'), fullPage: true });
        shotSpeech = true;
      }
      if (!shotPause && state === 'silence' && (await entries.count()) > 0) {
        await page.screenshot({ path: artifact('live-pause.png'), fullPage: true });
        shotPause = true;
      }
      if ((await entries.count()) >= 3 && shotSpeech && shotPause) break;
      await page.waitForTimeout(200);
    }
    const spans = await entries.evaluateAll((lis) => lis.map((li) => li.getAttribute('aria-label') ?? ''));
    await page.getByRole('button', { name: 'Stop live mode' }).click();
    return {
      states,
      spans: spans.map((s) => {
        const m = /^(\d+\.\d)–(\d+\.\d) s: (?:not sure, maybe )?(\S+) /.exec(s);
        assert.ok(m, `timeline entry "${s}"`);
        return { start: Number(m[1]), end: Number(m[2]), label: m[3] };
      }),
    };
  }

  function check(r: Awaited<ReturnType<typeof watchLive>>): void {
    assert.ok(r.spans.length >= 2, `only ${r.spans.length} timeline entries: ${JSON.stringify(r.spans)}`);
    for (const s of r.spans) {
      assert.ok(server.labels.includes(s.label), s.label);
      // An entry is speech only: never longer than the sentence, so never a pause.
      assert.ok(s.end - s.start <= SPEECH_SEC + 0.3, `entry ${s.start}-${s.end} s is longer than the speech`);
    }
    // Between two loops of the sentence lies the 3 s pause, with no entry in it.
    const gaps = r.spans.slice(1).map((s, i) => s.start - r.spans[i].end);
    assert.ok(Math.max(...gaps) >= 2.5, `no pause between entries: ${JSON.stringify(r.spans)}`);
    assert.ok(r.states.some((s) => s.state === 'silence' && s.text.includes('No speech heard')));
    assert.ok(
      r.states.some((s) => s.state === 'speech' && server.labels.some((l) => s.text.includes(l))),
      'an emotion was shown while the sentence played',
    );
  }

  test('streamed to the server: emotions while speaking, "No speech heard" in the pauses', async () => {
    const page = await browser.context.newPage();
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(`${server.url}/#/live`);
    check(await watchLive(page, true));
    assert.deepEqual(
      sockets.map((u) => new URL(u).pathname),
      ['/api/stream'],
    );
    await page.close();
  });

  test('with the model in the page: the same VAD in the page, nothing sent', async () => {
    const page = await browser.context.newPage();
    const sent: string[] = [];
    page.on('websocket', (ws) => sent.push(ws.url()));
    page.on('request', (r) => {
      if (r.method() === 'POST') sent.push(r.url());
    });
    await page.goto(`${server.url}/#/live`);
    await page.getByLabel('Run the model in this page').check();
    await page.getByText(/In-page model ready/).waitFor({ timeout: 60_000 });
    check(await watchLive(page, false));
    assert.deepEqual(sent, [], 'live mode in the page sent nothing');
    await page.getByLabel('Run the model in this page').uncheck();
    await page.close();
  });
});
