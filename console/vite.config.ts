/// <reference types="vitest/config" />
// The console is served by the API itself at /console/, from the Python package's console_dist
// folder, so the built files travel inside the wheel and the Docker image.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import vue from '@vitejs/plugin-vue'
import { defineConfig, type Plugin } from 'vite'

const outDir = fileURLToPath(new URL('../src/gridloop/console_dist', import.meta.url))
const api = 'http://127.0.0.1:8000'

// Precompressed copies beside the built files: the service sends them as they are, without
// spending CPU on each request.
function gzipBuild(): Plugin {
  const compressible = /\.(js|css|html|svg|json)$/
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name)
      return statSync(path).isDirectory() ? walk(path) : [path]
    })
  return {
    name: 'gridloop-gzip',
    apply: 'build',
    closeBundle() {
      for (const path of walk(outDir).filter((p) => compressible.test(p))) {
        const data = readFileSync(path)
        if (data.length > 1024) writeFileSync(`${path}.gz`, gzipSync(data, { level: 9 }))
      }
    },
  }
}

export default defineConfig({
  base: '/console/',
  plugins: [vue(), gzipBuild()],
  build: {
    outDir,
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // `npx vite` for development: the API routes go to a running `gridloop serve`.
    proxy: Object.fromEntries(
      ['/auth', '/me', '/geo', '/tiles', '/cases', '/catalog', '/org', '/reports', '/users'].map(
        (path) => [path, api],
      ),
    ),
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
})
