/**
 * In-page inference in Chromium (not a test): for each bundle, the time from switching on *Run
 * the model in this page* to "In-page model ready" (tfjs and its wasm backend, the bundle's JSON
 * and weights fetched and built), then the time from *Predict emotion* to the answer on the page
 * for one clip (the clip is decoded when it is chosen, so this is features + model + drawing),
 * first prediction apart (wasm compilation, first kernels). The peer, measured in the same run on
 * the same clip and bundle: the server's POST /api/predict (upload, decoding, features, model)
 * from Node. Debian chromium at /usr/bin/chromium, headless, a fresh profile; the page must be
 * built (`npm run build`).
 *
 * Usage: npx tsx bench/inpage.ts [--model DIR]... [--clip FILE] [--runs N]
 *   default: --model models/default, the clip an EMO-DB clip of 2.9 s (or the browser test's
 *   speech fixture without ../shared/datasets), 10 runs.
 * A paper-size network bundle for it (weights do not change the cost):
 *   node dist/cli/main.js train --corpus emodb --model cnn2d-lstm --epochs 1 --out /tmp/cnn2d-lstm
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Predictor } from '../src/core/predict.js';
import { initBackend } from '../src/node/backend.js';
import { loadBundleFromDir } from '../src/node/bundle-io.js';
import { buildApp } from '../src/node/server/app.js';
import { CHROMIUM_PATH as CHROMIUM, launchChromium } from '../test/browser/helpers/chromium.js';
import { median } from './stats.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    model: { type: 'string', multiple: true, default: ['models/default'] },
    clip: { type: 'string' },
    runs: { type: 'string', default: '10' },
  },
});
const emodbClip = resolve(root, '../shared/datasets/emodb/wav/03a01Wa.wav');
const clip =
  args.clip ?? (existsSync(emodbClip) ? emodbClip : join(root, 'test/fixtures/browser/speech.wav'));
const runs = Number(args.runs);
if (!existsSync(CHROMIUM))
  throw new Error(`Debian chromium not found at ${CHROMIUM} (apt-get install chromium)`);
const webRoot = join(root, 'web', 'dist');
if (!existsSync(join(webRoot, 'index.html')))
  throw new Error(`the page is not built at ${webRoot}: npm run build`);

await initBackend();
const models = await Promise.all(
  args.model.map(async (dir) => ({
    id: basename(resolve(dir)),
    dir: resolve(dir),
    predictor: Predictor.fromBundle(await loadBundleFromDir(resolve(dir))),
  })),
);
const tmp = mkdtempSync(join(tmpdir(), 'emovox-bench-inpage-'));
const app = await buildApp({ models, dataDir: join(tmp, 'data'), webRoot });
const url = await app.listen({ host: '127.0.0.1', port: 0 });
// The browser tests' Chromium (Debian chromium, headless, a fresh profile; its fake microphone is unused here).
const browser = await launchChromium();
const { context } = browser;
context.setDefaultTimeout(180_000);

const bytes = readFileSync(clip);
console.log(
  `in-page inference in Chromium, clip ${basename(clip)} (${bytes.length} bytes), ${runs} runs; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
try {
  for (const m of models) {
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning')
        console.error(`page ${msg.type()}: ${msg.text()}`);
    });
    await page.goto(`${url}/#/`);
    // The model selector is shown only when the server has more than one model.
    if (models.length > 1) await page.getByLabel('Model', { exact: true }).selectOption(m.id);
    const l0 = performance.now();
    await page.getByLabel('Run the model in this page').check();
    await page.getByText('In-page model ready').waitFor();
    const loadMs = performance.now() - l0;
    await page.getByLabel('Choose an audio file').setInputFiles(clip);
    const predictOnce = async (): Promise<number> => {
      const t0 = performance.now();
      await page.getByRole('button', { name: 'Predict emotion' }).click();
      try {
        await page.locator('#result:not([hidden]):not([aria-busy])').waitFor({ timeout: 60_000 });
      } catch (e) {
        await page.screenshot({ path: join(tmpdir(), 'emovox-bench-inpage-failed.png'), fullPage: true });
        throw new Error(
          `no answer on the page for ${m.id} (screenshot ${join(tmpdir(), 'emovox-bench-inpage-failed.png')}): ${(e as Error).message.split('\n')[0]}`,
          { cause: e },
        );
      }
      return performance.now() - t0;
    };
    const first = await predictOnce();
    const page_: number[] = [];
    for (let r = 0; r < runs; r++) page_.push(await predictOnce());
    const label = (await page.locator('#result').getByTestId('label').textContent()) ?? '';
    await page.close();
    // The peer: the same clip and bundle through the server's API.
    const server: number[] = [];
    let serverLabel = '';
    for (let r = 0; r <= runs; r++) {
      const form = new FormData();
      form.append('file', new Blob([bytes], { type: 'audio/wav' }), basename(clip));
      form.append('model', m.id);
      const t0 = performance.now();
      const res = await fetch(`${url}/api/predict`, { method: 'POST', body: form });
      const body = (await res.json()) as { label: string };
      if (r > 0) server.push(performance.now() - t0); // the first is a warm-up
      serverLabel = body.label;
    }
    console.log(
      `${m.id} (${m.predictor.labels.length} labels): load ${loadMs.toFixed(0)} ms; first prediction ${first.toFixed(0)} ms; ` +
        `then median ${median(page_).toFixed(0)} ms (min ${Math.min(...page_).toFixed(0)}, max ${Math.max(...page_).toFixed(0)}) -> ${label}` +
        ` | server POST /api/predict median ${median(server).toFixed(0)} ms (min ${Math.min(...server).toFixed(0)}) -> ${serverLabel}`,
    );
  }
} finally {
  await browser.close();
  await app.close();
  rmSync(tmp, { recursive: true, force: true });
}
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
