/**
 * A calibrated model that is not sure, in the page: the emotion's emoji greyed out and the
 * words "not sure" (server answers, history, in-page inference and live mode). Debian chromium
 * against the real server serving only a copy of the tiny bundle whose calibration makes every
 * answer uncertain. Screenshots go to test-artifacts/browser/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { artifact, chromiumSkip, FAKE_MIC_WAV, launchChromium, openPageAt } from './helpers/chromium.js';
import { serverSkip, startServer, type RunningServer } from './helpers/server.js';
import { ensureWebBuilt } from './helpers/web-build.js';
import { uncertainBundle } from '../helpers/calibrated-bundle.js';

const skip = chromiumSkip || serverSkip;
const RESULT_TIMEOUT_MS = 60_000;

describe('"not sure" in the web page', { skip }, () => {
  let server: RunningServer;
  let browser: { context: BrowserContext; close: () => Promise<void> };

  before(async () => {
    await ensureWebBuilt();
    server = await startServer(async (tmp) => [{ id: 'unsure', dir: uncertainBundle(tmp) }]);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const openPage = (hash = '#/'): Promise<Page> => openPageAt(browser.context, server.url, hash);

  async function assertMuted(emoji: Locator): Promise<void> {
    assert.match((await emoji.getAttribute('class')) ?? '', /\buncertain\b/);
    const style = await emoji.evaluate((el) => {
      const s = getComputedStyle(el);
      return { filter: s.filter, opacity: Number(s.opacity) };
    });
    assert.match(style.filter, /grayscale\(1\)/);
    assert.ok(style.opacity < 0.6, `opacity ${style.opacity}`);
  }

  async function predictUpload(page: Page): Promise<Locator> {
    await page.getByLabel('Choose an audio file').setInputFiles(FAKE_MIC_WAV);
    await page.getByRole('button', { name: 'Predict emotion' }).click();
    const result = page.locator('#result');
    await result.waitFor({ state: 'visible', timeout: RESULT_TIMEOUT_MS });
    return result;
  }

  test('an uncertain answer shows a muted emoji, "not sure" and the best guess; so does the history', async () => {
    const page = await openPage();
    const result = await predictUpload(page);
    assert.equal(await result.getByTestId('label').textContent(), 'not sure');
    const guess = (await result.locator('.result-confidence').textContent()) ?? '';
    assert.match(guess, new RegExp(`^maybe (${server.labels.join('|')}) · \\d+ % confident$`));
    await assertMuted(result.getByTestId('emoji'));
    assert.equal(await result.locator('.prediction').getAttribute('data-uncertain'), 'true');
    await page.screenshot({ path: artifact('not-sure.png'), fullPage: true });

    await page.getByRole('link', { name: 'History' }).click();
    const item = page.locator('#history-list li').first();
    await item.waitFor({ state: 'visible' });
    assert.equal(await item.locator('.result-label').textContent(), 'not sure');
    await assertMuted(item.locator('.big-emoji'));
    await page.close();
  });

  test('in-page inference applies the same calibration', async () => {
    const page = await openPage();
    await page.getByLabel('Run the model in this page').check();
    await page.getByText('In-page model ready').waitFor({ timeout: RESULT_TIMEOUT_MS });
    const result = await predictUpload(page);
    assert.equal(await result.getByTestId('label').textContent(), 'not sure');
    await assertMuted(result.getByTestId('emoji'));

    await page.getByRole('link', { name: 'Live' }).click();
    await page.getByRole('button', { name: 'Start live mode' }).click();
    const entry = page.locator('#live-timeline li').first();
    await entry.waitFor({ timeout: RESULT_TIMEOUT_MS });
    assert.match((await entry.getAttribute('aria-label')) ?? '', /not sure, maybe /);
    await assertMuted(entry.locator('.t-emoji'));
    await page.screenshot({ path: artifact('not-sure-live.png'), fullPage: true });
    await page.getByRole('button', { name: 'Stop live mode' }).click();
    await page.getByLabel('Run the model in this page').uncheck();
    await page.close();
  });
});
