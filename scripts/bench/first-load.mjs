// Measures the dashboard's first load on a slow link: Debian's Chromium, throttled through the
// DevTools protocol, opens the SCIM integration page of a signed-in administrator and waits
// until the page is interactive (its "Update" button is enabled, which happens at hydration).
// Prints one line per run: cold (empty cache) and warm (cached files), and the bytes fetched.
//
//   node scripts/bench/first-load.mjs [--mbit 4] [--latency-ms 40] [--bin target/release/scimhub]
//
// It starts the release build on a fresh SQLite file (port 3397) and stops it afterwards. A
// measurement, not a test: the figures go to docs/benchmarks.md.
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const { chromium } = createRequire(path.join(ROOT, 'end2end', 'package.json'))('@playwright/test');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const mbit = Number(arg('mbit', '4'));
const latency = Number(arg('latency-ms', '40'));
const bin = path.resolve(ROOT, arg('bin', 'target/release/scimhub'));
const port = 3397;
const base = `http://127.0.0.1:${port}`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scimhub-first-load-'));
const env = {
  ...process.env,
  DATABASE_URL: `sqlite://${dir}/bench.db`,
  LEPTOS_SITE_ROOT: path.join(ROOT, 'target', 'site'),
  SCIMHUB_PUBLIC_URL: base,
};
execFileSync(bin, ['tenant', 'create', 'Bench', '--profile', 'azure'], { env, stdio: 'ignore' });
const link = execFileSync(bin, ['admin', 'login-link'], { env }).toString().trim().split('\n').pop();
const server = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--public-url', base], { env, stdio: 'ignore' });

try {
  for (let i = 0; i < 100; i++) {
    if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link.replace(/^https?:\/\/[^/]+/, base));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const throughput = (mbit * 1_000_000) / 8;
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency, downloadThroughput: throughput, uploadThroughput: throughput,
  });
  let bytes = 0;
  cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
  for (const run of ['cold', 'warm']) {
    if (run === 'cold') await cdp.send('Network.clearBrowserCache');
    bytes = 0;
    const started = Date.now();
    await page.goto(`${base}/tenants/Bench/integrations/scim`, { waitUntil: 'commit' });
    await page.getByRole('button', { name: 'Update', exact: true }).waitFor();
    await page.waitForFunction(() => {
      const update = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Update');
      return update && !update.disabled;
    }, null, { timeout: 60_000, polling: 20 });
    const ms = Date.now() - started;
    console.log(`${run}: interactive after ${ms} ms at ${mbit} Mbit/s, ${latency} ms latency; ${(bytes / 1024).toFixed(0)} KiB fetched`);
  }
  await browser.close();
} finally {
  server.kill();
  fs.rmSync(dir, { recursive: true, force: true });
}
