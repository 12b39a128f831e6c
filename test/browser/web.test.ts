/**
 * The web page end to end: Debian chromium (playwright-core) with a fake microphone playing
 * test/fixtures/browser/speech.wav, against the real server (buildApp) with the tiny bundle.
 * Screenshots go to test-artifacts/browser/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { artifact, chromiumSkip, FAKE_MIC_WAV, launchChromium, openPageAt } from './helpers/chromium.js';
import { ADAPTIVE_MIN_CLIPS, serverSkip, startServer, type RunningServer } from './helpers/server.js';
import { encodeWav } from '../../web/src/wav.js';
import { concat, voicedSpeech } from '../helpers/speech-like.js';
import { ensureWebBuilt } from './helpers/web-build.js';

const skip = chromiumSkip || serverSkip;
const RESULT_TIMEOUT_MS = 60_000;
/** Recordings per history page (web/src/history.ts). */
const PAGE_SIZE = 10;

describe('web page in chromium', { skip }, () => {
  let server: RunningServer;
  let browser: { context: BrowserContext; close: () => Promise<void> };

  before(async () => {
    await ensureWebBuilt();
    server = await startServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const openPage = (hash = '#/'): Promise<Page> => openPageAt(browser.context, server.url, hash);

  /** Waits for the result card and returns its emoji and label. */
  async function readResult(page: Page): Promise<{ emoji: string; label: string; note: string }> {
    const result = page.locator('#result');
    await result.waitFor({ state: 'visible', timeout: RESULT_TIMEOUT_MS });
    return {
      emoji: (await result.getByTestId('emoji').textContent()) ?? '',
      label: (await result.getByTestId('label').textContent()) ?? '',
      note: (await result.locator('.hint').last().textContent()) ?? '',
    };
  }

  test('record -> stop -> Predict emotion shows an emoji and a label, stored on the server', async () => {
    const page = await openPage();
    await page.getByRole('button', { name: 'Start recording' }).click();
    await page.waitForTimeout(2500); // let the fake microphone speak
    await page.getByRole('button', { name: 'Stop recording' }).click();
    const predict = page.getByRole('button', { name: 'Predict emotion' });
    await predict.waitFor({ state: 'visible' });
    const stored = page.waitForResponse(
      (r) => r.url().endsWith('/api/recordings') && r.request().method() === 'POST',
    );
    await predict.click();
    assert.equal((await stored).status(), 201, 'POST /api/recordings stores the recording');
    const { emoji, label, note } = await readResult(page);
    assert.ok(
      server.labels.includes(label),
      `label "${label}" is one of the model's labels ${server.labels}`,
    );
    assert.ok(emoji.trim().length > 0, 'an emoji is shown');
    assert.match(note, /Stored on the server/);
    assert.equal(await page.locator('#result .bars li').count(), server.labels.length, 'one bar per label');
    await page.screenshot({ path: artifact('record-predict.png'), fullPage: true });

    // The recording is in the history after a reload, with its prediction and playable audio.
    await page.reload();
    await page.getByRole('link', { name: 'History' }).click();
    const item = page.locator('#history-list li').first();
    await item.waitFor({ state: 'visible' });
    assert.equal(await item.locator('.result-label').textContent(), label);
    const src = await item.locator('audio').getAttribute('src');
    assert.ok(src, 'the history item has an audio source');
    const audio = await page.request.get(new URL(src, server.url).href);
    assert.equal(audio.status(), 200);
    assert.ok((await audio.body()).length > 1000, 'the stored audio is served back');
    await page.screenshot({ path: artifact('history.png'), fullPage: true });
    await page.close();
  });

  test('uploading a WAV file predicts and stores it', async () => {
    const page = await openPage();
    await page.getByLabel('Choose an audio file').setInputFiles(FAKE_MIC_WAV);
    await page.getByRole('button', { name: 'Predict emotion' }).click();
    const { emoji, label } = await readResult(page);
    assert.ok(server.labels.includes(label));
    assert.ok(emoji.trim().length > 0);
    await page.getByRole('link', { name: 'History' }).click();
    const uploaded = page.locator('#history-list li', { hasText: 'speech.wav' });
    await uploaded.first().waitFor();
    assert.equal(await uploaded.count(), 1);

    // Deleting it removes it from the history (and from the server).
    await uploaded.getByRole('button', { name: /^Delete/ }).click();
    await page.getByText(/^Recording deleted\./).waitFor();
    assert.equal(await uploaded.count(), 0);
    const left = (await (await page.request.get(`${server.url}/api/recordings`)).json()) as {
      items: { fileName: string }[];
    };
    assert.ok(!left.items.some((r) => r.fileName === 'speech.wav'), 'the server no longer lists it');
    await page.close();
  });

  test('dropping an audio file on the upload card selects it', async () => {
    const page = await openPage();
    const base64 = readFileSync(FAKE_MIC_WAV).toString('base64');
    const dataTransfer = await page.evaluateHandle((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'dropped.wav', { type: 'audio/wav' }));
      return dt;
    }, base64);
    await page.dispatchEvent('#dropzone', 'dragover', { dataTransfer });
    await page.dispatchEvent('#dropzone', 'drop', { dataTransfer });
    await page.getByText(/^dropped\.wav · 3\.\d s/).waitFor();
    assert.ok(await page.getByRole('button', { name: 'Predict emotion' }).isVisible());
    await page.close();
  });

  test('history pages through more recordings than fit on one page', async () => {
    const page = await openPage('#/history');
    const total = async () =>
      ((await (await page.request.get(`${server.url}/api/recordings`)).json()) as { total: number }).total;
    // A short synthetic voiced clip: cheap for the server to decode and classify (a plain tone
    // would be refused as no speech).
    const tone = concat(new Float32Array(4000), voicedSpeech(1, 180));
    const wav = Buffer.from(await encodeWav(tone, 16000).arrayBuffer());
    for (let n = await total(); n <= PAGE_SIZE; n++) {
      const res = await page.request.post(`${server.url}/api/recordings`, {
        multipart: { file: { name: `page-${n}.wav`, mimeType: 'audio/wav', buffer: wav } },
      });
      assert.equal(res.status(), 201);
    }
    const pages = Math.ceil((await total()) / PAGE_SIZE);
    await page.reload();
    await page.getByText(`Page 1 of ${pages}`).waitFor();
    assert.equal(await page.locator('#history-list li').count(), PAGE_SIZE);
    assert.equal(await page.getByRole('button', { name: 'Previous page' }).isDisabled(), true);
    const firstOnPage1 = await page.locator('#history-list li').first().getAttribute('data-id');
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText(`Page 2 of ${pages}`).waitFor();
    assert.notEqual(await page.locator('#history-list li').first().getAttribute('data-id'), firstOnPage1);
    await page.close();
  });

  test('a file that is not audio shows the server error in the alert region', async () => {
    const page = await openPage();
    await page.getByLabel('Choose an audio file').setInputFiles({
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('this is not audio at all, just some text '.repeat(20)),
    });
    await page.getByRole('button', { name: 'Predict emotion' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor({ state: 'visible' });
    assert.match((await alert.textContent()) ?? '', /audio/i, 'the message says what is accepted');
    assert.equal(await page.locator('#result').isVisible(), false);
    await page.screenshot({ path: artifact('error.png') });
    await page.close();
  });

  test('in-page mode predicts without sending the audio anywhere', async () => {
    const page = await openPage();
    const posts: Request[] = [];
    page.on('request', (r) => {
      if (r.method() !== 'GET') posts.push(r);
    });
    await page.getByLabel('Run the model in this page').check();
    await page.getByText('In-page model ready').waitFor({ timeout: RESULT_TIMEOUT_MS });
    await page.getByLabel('Choose an audio file').setInputFiles(FAKE_MIC_WAV);
    await page.getByRole('button', { name: 'Predict emotion' }).click();
    const { label, note } = await readResult(page);
    assert.ok(server.labels.includes(label));
    assert.match(note, /not sent anywhere/);
    assert.deepEqual(
      posts.map((r) => `${r.method()} ${r.url()}`),
      [],
      'no request other than GET was made',
    );
    await page.screenshot({ path: artifact('in-page.png'), fullPage: true });

    // Same bundle and feature code as the server: the same file gets (nearly) the same answer.
    // Not exactly: the page decodes and resamples 48 kHz -> 16 kHz with the browser's own code.
    const inPage = await page
      .locator('#result .bars li')
      .evaluateAll((lis) =>
        Object.fromEntries(
          lis.map((li) => [li.children[0].textContent, parseFloat(li.children[2].textContent ?? '')]),
        ),
      );
    const res = await page.request.post(`${server.url}/api/predict`, {
      multipart: { file: { name: 'speech.wav', mimeType: 'audio/wav', buffer: readFileSync(FAKE_MIC_WAV) } },
    });
    const onServer = (await res.json()) as { label: string; probabilities: Record<string, number> };
    assert.equal(label, onServer.label, 'in-page and server agree on the label');
    for (const l of server.labels) {
      const diff = Math.abs(inPage[l] - onServer.probabilities[l] * 100);
      assert.ok(
        diff <= 5,
        `${l}: in-page ${inPage[l]} % vs server ${(onServer.probabilities[l] * 100).toFixed(1)} %`,
      );
    }

    // Live mode in the page: the microphone audio is not uploaded either.
    await page.getByRole('link', { name: 'Live' }).click();
    await page.getByRole('button', { name: 'Start live mode' }).click();
    await page.locator('#live-timeline li').first().waitFor({ timeout: RESULT_TIMEOUT_MS });
    await page.getByRole('button', { name: 'Stop live mode' }).click();
    assert.deepEqual(
      posts.map((r) => `${r.method()} ${r.url()}`),
      [],
      'live mode in the page sent nothing',
    );
    await page.getByLabel('Run the model in this page').uncheck();
    await page.close();
  });

  test('live mode adds entries to the timeline while the microphone plays', async () => {
    const page = await openPage('#/live');
    await page.getByRole('button', { name: 'Start live mode' }).click();
    const entries = page.locator('#live-timeline li');
    await entries.first().waitFor({ timeout: RESULT_TIMEOUT_MS });
    const first = await entries.first().getAttribute('aria-label');
    assert.match(first ?? '', /^\d+\.\d–\d+\.\d s: /, 'each entry names its time span');
    await page.screenshot({ path: artifact('live.png'), fullPage: true });
    await page.getByRole('button', { name: 'Stop live mode' }).click();
    await page.close();
  });

  test('keyboard only: record, stop and predict without a mouse', async () => {
    const page = await openPage();
    const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
    for (let i = 0; i < 20 && (await focused()) !== 'Start recording'; i++) await page.keyboard.press('Tab');
    assert.equal(await focused(), 'Start recording', 'the record button is reachable with Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Stop recording' }).waitFor();
    await page.waitForTimeout(2000);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Predict emotion' }).waitFor();
    assert.equal(await focused(), 'Predict emotion', 'focus moves to Predict emotion when recording stops');
    await page.keyboard.press('Enter');
    const { label } = await readResult(page);
    assert.ok(server.labels.includes(label));
    await page.close();
  });

  test('model page shows the labels and the training curves', async () => {
    const page = await openPage('#/model');
    await page.getByRole('heading', { name: /Labels/ }).waitFor();
    for (const label of server.labels) await page.locator('.chips li', { hasText: label }).waitFor();
    // The tiny bundle's metrics and its 40-epoch history.
    await page.getByRole('rowheader', { name: 'Held out accuracy' }).waitFor();
    await page.getByRole('img', { name: /^Loss per epoch: train loss over \d+ epochs/ }).waitFor();
    await page.screenshot({ path: artifact('model.png'), fullPage: true });
    await page.close();
  });

  test('speaker name and model choice go with each prediction, are remembered, and adapt after enough clips', async () => {
    const page = await openPage();
    const select = page.getByLabel('Model', { exact: true });
    await select.waitFor({ state: 'visible' });
    assert.deepEqual(await select.locator('option').allTextContents(), [
      '3 emotions (tiny)',
      '3 emotions (adaptive)',
    ]);
    await select.selectOption('adaptive');
    await page.getByLabel('Speaker').fill('anna');
    await page.getByText('anna: 0 stored clips; adaptation starts at 3').waitFor();

    const lines: string[] = [];
    const speech = readFileSync(FAKE_MIC_WAV);
    for (let i = 1; i <= ADAPTIVE_MIN_CLIPS; i++) {
      // A new file each time (choosing the same file again does not fire a change event).
      const file = { name: `clip-${i}.wav`, mimeType: 'audio/wav', buffer: speech };
      await page.getByLabel('Choose an audio file').setInputFiles(file);
      const stored = page.waitForResponse(
        (r) => r.url().endsWith('/api/recordings') && r.request().method() === 'POST',
      );
      await page.getByRole('button', { name: 'Predict emotion' }).click();
      const rec = (await (await stored).json()) as { modelId: string; speaker: string };
      assert.deepEqual([rec.modelId, rec.speaker], ['adaptive', 'anna']);
      const line = page.locator('#result [data-testid=adaptation]');
      await line.filter({ hasText: i < ADAPTIVE_MIN_CLIPS ? `${i} of` : 'Adapted' }).waitFor();
      lines.push((await line.textContent()) ?? '');
    }
    assert.deepEqual(lines, [
      'Not adapted to anna yet: 1 of 3 clips.',
      'Not adapted to anna yet: 2 of 3 clips.',
      'Adapted to anna (3 clips).',
    ]);
    await page.getByText('anna: 3 stored clips; predictions adapt to this voice.').waitFor();
    await page.screenshot({ path: artifact('speaker-adapted.png'), fullPage: true });

    // Remembered across visits; the model page describes the chosen model.
    await page.goto(`${server.url}/#/model`);
    assert.equal(await page.getByLabel('Speaker').inputValue(), 'anna');
    assert.equal(await page.getByLabel('Model', { exact: true }).inputValue(), 'adaptive');
    await page.getByRole('heading', { name: 'Members (2)' }).waitFor();
    await page.getByRole('cell', { name: /after 3 clips of the same named speaker/ }).waitFor();
    // The card's figures: one row per evaluation, with and without per-speaker normalisation.
    await page.getByRole('columnheader', { name: 'Per speaker' }).waitFor();
    await page.getByRole('cell', { name: '60.0 %' }).waitFor();
    await page.screenshot({ path: artifact('model-ensemble.png'), fullPage: true });

    // A name the server would refuse is caught before anything is sent.
    await page.goto(`${server.url}/#/`);
    await page.getByLabel('Speaker').fill('two words');
    await page.getByText(/Use 1 to 64 letters, digits/).waitFor();
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push(r.url());
    });
    await page.getByLabel('Choose an audio file').setInputFiles(FAKE_MIC_WAV);
    await page.getByRole('button', { name: 'Predict emotion' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /speaker name must be 1 to 64/ })
      .waitFor();
    assert.deepEqual(posts, []);

    // Leave the shared browser profile as the other tests expect it.
    await page.getByLabel('Speaker').fill('');
    await page.getByLabel('Model', { exact: true }).selectOption('tiny');
    await page.close();
  });

  test('in-page mode runs an ensemble bundle (deep + classical member) too, sending nothing', async () => {
    const page = await openPage();
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() !== 'GET') posts.push(r.url());
    });
    await page.getByLabel('Model', { exact: true }).selectOption('adaptive');
    await page.getByLabel('Run the model in this page').check();
    await page.getByText('In-page model ready').waitFor({ timeout: RESULT_TIMEOUT_MS });
    await page.getByLabel('Choose an audio file').setInputFiles(FAKE_MIC_WAV);
    await page.getByRole('button', { name: 'Predict emotion' }).click();
    const { label } = await readResult(page);
    assert.ok(server.labels.includes(label));
    assert.deepEqual(posts, []);
    await page.getByLabel('Run the model in this page').uncheck();
    await page.getByLabel('Model', { exact: true }).selectOption('tiny');
    await page.close();
  });

  test('in-page mode restored on load, then another model chosen at once: one wasm backend, and it predicts', async () => {
    const first = await openPage();
    await first.getByLabel('Run the model in this page').check();
    await first.getByText('In-page model ready').waitFor({ timeout: RESULT_TIMEOUT_MS });
    await first.close();
    // The switch is remembered: a new page starts loading the default model's engine on load,
    // and choosing the other model starts a second engine while the first is still loading.
    const page = await openPage();
    await page.getByLabel('Model', { exact: true }).selectOption('adaptive');
    const status = page.getByText('In-page model ready');
    await status.waitFor({ timeout: RESULT_TIMEOUT_MS });
    assert.match((await status.textContent()) ?? '', /tfjs wasm/, 'the page kept the wasm backend');
    await page.getByLabel('Choose an audio file').setInputFiles(FAKE_MIC_WAV);
    await page.getByRole('button', { name: 'Predict emotion' }).click();
    await page.locator('#result:not([hidden]), #alert:not([hidden])').first().waitFor();
    assert.equal(await page.locator('#alert').isVisible(), false, await page.locator('#alert').innerText());
    const { label } = await readResult(page);
    assert.ok(server.labels.includes(label), `in-page label ${label}`);
    await page.getByLabel('Run the model in this page').uncheck();
    await page.getByLabel('Model', { exact: true }).selectOption('tiny');
    await page.close();
  });

  test('readable on a 390 px wide phone screen: nothing overflows sideways', async () => {
    const page = await openPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByLabel('Choose an audio file').setInputFiles(FAKE_MIC_WAV);
    await page.getByRole('button', { name: 'Predict emotion' }).click();
    await readResult(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
    await page.screenshot({ path: artifact('phone-390.png'), fullPage: true });
    await page.close();
  });
});
