/**
 * The page on a server that requires an API key, under the server's content security policy,
 * in Debian chromium: it asks for the key once, keeps it for the tab, sends it with every API
 * call, plays stored recordings (fetched with the key into blob: URLs), records from the fake
 * microphone and runs the model in the page (WebAssembly) without a CSP violation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { artifact, chromiumSkip, FAKE_MIC_WAV, launchChromium } from './helpers/chromium.js';
import { serverSkip, startServer, type RunningServer } from './helpers/server.js';
import { ensureWebBuilt } from './helpers/web-build.js';

const KEY = 'browser-test-key-0123456789';
const RESULT_TIMEOUT_MS = 60_000;

describe('web page with an API key, under the CSP', { skip: chromiumSkip || serverSkip }, () => {
  let server: RunningServer;
  let browser: { context: BrowserContext; close: () => Promise<void> };

  before(async () => {
    await ensureWebBuilt();
    server = await startServer({ apiKey: KEY });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Opens the page, answering the key prompt with `answers` in turn; collects CSP violations. */
  async function openPage(answers: string[]) {
    const page = await browser.context.newPage();
    const prompts: string[] = [];
    const violations: string[] = [];
    const unauthorised: string[] = [];
    page.on('dialog', (d) => {
      prompts.push(d.message());
      // A prompt still open when the test closes its page rejects; that is not a failure.
      d.accept(answers.shift() ?? '').catch(() => undefined);
    });
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
    page.on('response', (r) => {
      if (r.status() === 401) unauthorised.push(r.url());
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) =>
        console.error(
          `Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber} ${e.sample}`,
        ),
      );
    });
    await page.goto(`${server.url}/#/`);
    return { page, prompts, violations, unauthorised };
  }

  async function uploadAndPredict(page: Page): Promise<string> {
    await page.getByLabel('Choose an audio file').setInputFiles(FAKE_MIC_WAV);
    await page.getByRole('button', { name: 'Predict emotion' }).click();
    const result = page.locator('#result');
    await result.waitFor({ state: 'visible', timeout: RESULT_TIMEOUT_MS });
    return (await result.getByTestId('label').textContent()) ?? '';
  }

  test('asks for the key once (a wrong one again), then predicts, stores and plays with it', async () => {
    const { page, prompts, violations } = await openPage(['not-the-key-at-all-123', KEY]);
    const stored = page.waitForResponse(
      (r) => r.url().endsWith('/api/recordings') && r.request().method() === 'POST',
    );
    const label = await uploadAndPredict(page);
    assert.ok(server.labels.includes(label), `label ${label}`);
    const post = await stored;
    assert.equal(post.status(), 201);
    assert.equal(await post.request().headerValue('authorization'), `Bearer ${KEY}`);
    assert.equal(prompts.length, 2, `asked twice: first, then after the wrong key (${prompts.join(' | ')})`);
    assert.match(prompts[0], /needs an API key/);
    assert.match(prompts[1], /not accepted/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('emovox.apiKey')), KEY);

    // History after a reload: no new question (the tab keeps the key); audio plays from a blob: URL.
    await page.reload();
    await page.getByRole('link', { name: 'History' }).click();
    const audio = page.locator('#history-list li audio').first();
    await audio.waitFor({ state: 'attached' });
    await page.waitForFunction(() => document.querySelector('#history-list audio')?.getAttribute('src'));
    assert.match((await audio.getAttribute('src')) ?? '', /^blob:/);
    const duration = await audio.evaluate(
      (a: HTMLAudioElement) =>
        new Promise<number>((resolve, reject) => {
          if (a.readyState >= 1) return resolve(a.duration);
          a.addEventListener('loadedmetadata', () => resolve(a.duration));
          a.addEventListener('error', () => reject(new Error(`audio error ${a.error?.code}`)));
          a.load();
        }),
    );
    assert.ok(duration > 1, `the stored recording plays (${duration} s)`);
    assert.equal(prompts.length, 2, 'no further question after the reload');
    assert.deepEqual(violations, [], 'no content security policy violation');
    await page.screenshot({ path: artifact('api-key-history.png'), fullPage: true });
    await page.close();
  });

  test('the microphone and in-page inference (wasm, worklet) work under the CSP', async () => {
    const { page, violations, unauthorised } = await openPage([KEY]);
    await page.getByRole('button', { name: 'Start recording' }).click();
    await page.waitForTimeout(2000);
    await page.getByRole('button', { name: 'Stop recording' }).click();
    await page.getByRole('button', { name: 'Predict emotion' }).waitFor({ state: 'visible' });

    await page.getByLabel('Run the model in this page').check();
    await page.getByText('In-page model ready').waitFor({ timeout: RESULT_TIMEOUT_MS });
    const label = await uploadAndPredict(page);
    assert.ok(server.labels.includes(label), `in-page label ${label}`);

    // Live mode: the capture AudioWorklet (a blob: module) feeding the in-page model.
    await page.getByRole('link', { name: 'Live' }).click();
    await page.getByRole('button', { name: 'Start live mode' }).click();
    await page.locator('#live-timeline li').first().waitFor({ timeout: RESULT_TIMEOUT_MS });
    await page.getByRole('button', { name: 'Stop live mode' }).click();
    assert.deepEqual(violations, [], 'no content security policy violation');
    // The only 401s are the first calls before the key was given.
    assert.ok(unauthorised.every((u) => new URL(u).pathname.startsWith('/api/')));
    await page.close();
  });

  test('without the key the API answers 401 and the page shows the error', async () => {
    const res = await fetch(`${server.url}/api/recordings`);
    assert.equal(res.status, 401);
    const { page } = await openPage(['']); // the user cancels the question
    await page.getByRole('link', { name: 'History' }).click();
    await page
      .getByText(/needs an API key/)
      .first()
      .waitFor();
    await page.close();
  });
});
