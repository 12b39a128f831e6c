import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const webDir = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Where the page fetches the tfjs wasm binaries from (served by us, never a CDN). */
export const TFJS_WASM_DIR = 'tfjs-wasm';

/**
 * Serves (dev) and emits (build) the @tensorflow/tfjs-backend-wasm binaries under /tfjs-wasm/,
 * so in-page inference works offline. A dozen lines here beat another dependency.
 */
function tfjsWasmFiles(): Plugin {
  const srcDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  const files = readdirSync(srcDir).filter((f) => f.endsWith('.wasm'));
  return {
    name: 'emovox-tfjs-wasm-files',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const name = req.url?.startsWith(`/${TFJS_WASM_DIR}/`) ? req.url.slice(TFJS_WASM_DIR.length + 2) : '';
        if (!files.includes(name)) return next();
        res.setHeader('Content-Type', 'application/wasm');
        res.end(readFileSync(join(srcDir, name)));
      });
    },
    generateBundle() {
      for (const f of files) {
        this.emitFile({
          type: 'asset',
          fileName: `${TFJS_WASM_DIR}/${f}`,
          source: readFileSync(join(srcDir, f)),
        });
      }
    },
  };
}

/** The page is served by the Emovox server; in development `vite` proxies the API to it. */
export default defineConfig({
  root: webDir,
  base: './',
  plugins: [tfjsWasmFiles()],
  build: {
    outDir: join(webDir, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
  },
  server: {
    proxy: {
      '/api': process.env.EMOVOX_API ?? 'http://127.0.0.1:8080',
      '/model': process.env.EMOVOX_API ?? 'http://127.0.0.1:8080',
    },
  },
});
