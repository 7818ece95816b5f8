import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

/**
 * One config, two builds: `vite build --mode admin` and `vite build --mode app`. Each front end
 * gets its own base path (/admin/, /app/), so tgbase serves each folder as is.
 */
export default defineConfig(({ mode }) => {
  const name = mode === 'app' ? 'app' : 'admin';
  return {
    root: fileURLToPath(new URL(`./${name}`, import.meta.url)),
    base: `/${name}/`,
    publicDir: false,
    oxc: { jsx: { runtime: 'automatic' } },
    build: {
      outDir: fileURLToPath(new URL(`./dist/${name}`, import.meta.url)),
      emptyOutDir: true,
      target: 'es2020',
      reportCompressedSize: true,
    },
    server: { proxy: { '/api': { target: 'http://127.0.0.1:8002', ws: true } } },
  };
});
