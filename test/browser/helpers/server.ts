import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Predictor } from '../../../src/core/predict.js';
import { initBackend } from '../../../src/node/backend.js';
import { loadBundleFromDir } from '../../../src/node/bundle-io.js';
import { buildApp } from '../../../src/node/server/app.js';
import { saveSmallEnsemble } from '../../integration/api/adaptive-bundle.js';
import { ROOT, WEB_DIST } from './web-build.js';

export const TINY_BUNDLE = join(ROOT, 'test', 'fixtures', 'bundles', 'tiny');
/** Clips of one speaker the second model needs before it adapts. */
export const ADAPTIVE_MIN_CLIPS = 3;

export interface RunningServer {
  url: string;
  labels: string[];
  close: () => Promise<void>;
}

/** Why the browser tests cannot run here (a missing fixture bundle), or false. */
export const serverSkip: string | false = existsSync(join(TINY_BUNDLE, 'emovox.json'))
  ? false
  : `the tiny test bundle is missing at ${TINY_BUNDLE} (run scripts/make-test-bundle.ts)`;

/** The served models: `tiny` (the default, deep) and `adaptive` (a small speaker-adaptive ensemble built in `tmp`). */
async function defaultModels(tmp: string): Promise<{ id: string; dir: string }[]> {
  const adaptiveDir = join(tmp, 'adaptive');
  await saveSmallEnsemble(adaptiveDir, ADAPTIVE_MIN_CLIPS);
  return [
    { id: 'tiny', dir: TINY_BUNDLE },
    { id: 'adaptive', dir: adaptiveDir },
  ];
}

/**
 * The real Emovox server (buildApp) on 127.0.0.1 and a free port, serving the bundles `models`
 * makes in a temporary folder (default: tiny and adaptive), each published at /model/<id>/ for
 * in-page inference, the built page and a temporary data folder.
 */
export async function startServer(
  models: (tmp: string) => Promise<{ id: string; dir: string }[]> = defaultModels,
): Promise<RunningServer> {
  await initBackend();
  const tmp = mkdtempSync(join(tmpdir(), 'emovox-web-data-'));
  const dataDir = join(tmp, 'data');
  const served = await Promise.all(
    (await models(tmp)).map(async (m) => ({
      ...m,
      predictor: Predictor.fromBundle(await loadBundleFromDir(m.dir)),
    })),
  );
  const app = await buildApp({ models: served, dataDir, webRoot: WEB_DIST });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: address,
    labels: served[0].predictor.labels,
    close: async () => {
      await app.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
