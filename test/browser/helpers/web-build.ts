import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
export const WEB_DIST = join(ROOT, 'web', 'dist');

/** Sources the page is built from: web/ (but not web/dist) and the platform-neutral core it imports. */
const SOURCES = [join(ROOT, 'web'), join(ROOT, 'src', 'core')];

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (p === WEB_DIST || entry.name === 'node_modules') continue;
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** True when web/dist is missing or older than any source file of the page. */
export function webBuildIsStale(): boolean {
  const index = join(WEB_DIST, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return SOURCES.some((d) => existsSync(d) && newestMtimeMs(d) > built);
}

/** Builds the page with Vite's JS API (as `npm run build:web` does) when it is missing or stale. */
export async function ensureWebBuilt(): Promise<void> {
  if (!webBuildIsStale()) return;
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn' });
}
