import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './web-build.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const FAKE_MIC_WAV = join(ROOT, 'test', 'fixtures', 'browser', 'speech.wav');
export const ARTIFACTS_DIR = join(ROOT, 'test-artifacts', 'browser');

export const chromiumSkip: string | false = existsSync(CHROMIUM_PATH)
  ? false
  : `Debian chromium not found at ${CHROMIUM_PATH} (apt-get install chromium); browser tests skipped`;

/**
 * Headless Debian chromium with a fake microphone that plays `micWav` in a loop, auto-granted
 * microphone permission, and a fresh profile (removed by close()).
 */
export async function launchChromium(
  micWav = FAKE_MIC_WAV,
): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'emovox-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1100, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${micWav}`,
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  // Generous: the machines running the suite can be heavily loaded; nothing here measures speed.
  context.setDefaultTimeout(60_000);
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Path for a screenshot kept as a test artifact (test-artifacts/ is git-ignored). */
export function artifact(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return join(ARTIFACTS_DIR, name);
}

/** A new tab at `url` + `/` + `hash`, printing the page's uncaught errors. */
export async function openPageAt(context: BrowserContext, url: string, hash = '#/'): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
  await page.goto(`${url}/${hash}`);
  return page;
}
