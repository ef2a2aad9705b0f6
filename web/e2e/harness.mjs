// Test harness: starts a Tessera server on a free port with a fresh data dir, serving web/dist at /
// exactly as in production, and launches Debian's Chromium via playwright-core.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
// The debug build `cargo build` / `cargo test` leave behind; TESSERA_BIN picks another binary.
const BIN = process.env.TESSERA_BIN ?? join(resolve(WEB_DIR, '..', process.env.CARGO_TARGET_DIR ?? 'target'), 'debug', 'tessera');
const DIST = join(WEB_DIR, 'dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts `tessera serve`; resolves once GET /ready answers 200. */
export async function startTessera({ holdTtl = 120 } = {}) {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`cargo build\` first (or set TESSERA_BIN)`);
  if (!existsSync(join(DIST, 'index.html'))) throw new Error('web/dist is missing: run `npm run build` first');
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-e2e-'));
  // The embedded PostgreSQL runs as the `postgres` user when we are root: it must reach the dir.
  chmodSync(dataDir, 0o755);
  const base = `http://127.0.0.1:${port}`;
  const proc = spawn(BIN, ['serve'], {
    env: {
      // Many buyers sign up and the admin signs in for every fresh show, all from 127.0.0.1 within a
      // minute or two: the per-address limits (30 sign-ins a minute by default) are not what is tested here.
      RATE_LIMIT_AUTH_PER_IP: '100000',
      RATE_LIMIT_AUTH_PER_ACCOUNT: '100000',
      RATE_LIMIT_HOLDS_PER_IP: '100000',
      RATE_LIMIT_READS_PER_IP: '100000',
      ...process.env,
      WEB_DIR: DIST,
      TESSERA_DATA_DIR: dataDir,
      BIND_ADDR: `127.0.0.1:${port}`,
      HOLD_TTL_SECONDS: String(holdTtl),
      SWEEP_INTERVAL_MS: '500',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  let exited = false;
  proc.on('exit', () => (exited = true));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited) {
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`tessera exited early:\n${log.slice(0, 3000)}`);
    }
    if (Date.now() > deadline) {
      proc.kill('SIGTERM');
      throw new Error(`tessera not ready after 120 s:\n${log}`);
    }
    try {
      const r = await fetch(`${base}/ready`);
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    log: () => log,
    async stop() {
      if (!exited) {
        const done = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([done, new Promise((r) => setTimeout(r, 20_000))]);
        if (!exited) proc.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  // playwright-core refuses --user-data-dir with launch(); it gives each launch a fresh temporary
  // profile directory itself (and deletes it on close), which is what we want.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

export async function apiCall(base, method, path, body, token) {
  const r = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

export async function showIdByName(base, name) {
  const r = await apiCall(base, 'GET', '/shows?limit=200');
  const s = r.body.items.find((x) => x.name === name);
  if (!s) throw new Error(`no show named ${name}`);
  return s.id;
}

/** A fresh show on the layout, prices, zone and currency of the seeded show `like`, a month
 * ahead, so that changing, cancelling or checking tickets in for it touches no other test. */
export async function createShowLike(base, adminToken, name, like = 'Dune: Part Three') {
  const seed = (await apiCall(base, 'GET', `/shows/${await showIdByName(base, like)}`)).body;
  const body = {
    name,
    kind: seed.kind,
    time_zone: seed.time_zone,
    starts_at: new Date(Date.now() + 30 * 86400_000).toISOString(),
    layout_id: seed.layout_id,
    prices: seed.prices,
    ...(seed.currency ? { currency: seed.currency } : {}),
  };
  const r = await apiCall(base, 'POST', '/admin/shows', body, adminToken);
  if (r.status !== 201) throw new Error(`creating ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id;
}
