// Starts what the tests run against and returns the teardown that stops it again:
//  (a) the local OpenID provider (oidc/provider.mjs) on 127.0.0.1:$OIDC_PORT, and
//  (b) scimhub itself (`scimhub serve`) from the workspace root on a fresh SQLite database
//      (or on $SCIMHUB_E2E_DATABASE_URL, e.g. PostgreSQL in CI).
// Logs go to test-results/oidc-provider.log and test-results/scimhub.log.
// The database URL reaches the tests (and their CLI calls) as process.env.SCIMHUB_E2E_DB.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { BASE_URL, E2E_DIR, OIDC_ISSUER, OIDC_PORT, REPO_ROOT, SCIMHUB_BIN } from './env';

const LOG_DIR = path.join(E2E_DIR, 'test-results');

type Started = { name: string; child: ChildProcess; log: string };

export default async function globalSetup(_config: FullConfig) {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const started: Started[] = [];
  let tempDir: string | undefined;

  const teardown = async () => {
    for (const s of started.reverse()) await stop(s);
    if (tempDir && !process.env.SCIMHUB_E2E_KEEP_DB) fs.rmSync(tempDir, { recursive: true, force: true });
  };

  try {
    // (a) the OpenID provider
    const discovery = `${OIDC_ISSUER}/.well-known/openid-configuration`;
    await ensureFree(discovery);
    await ensureFree(`${BASE_URL}/healthz`);
    started.push(start('oidc-provider', process.execPath, [path.join(E2E_DIR, 'oidc', 'provider.mjs')], {
      cwd: E2E_DIR,
      env: { ...process.env, OIDC_PORT: String(OIDC_PORT), OIDC_REDIRECT_URIS: `${BASE_URL}/auth/callback` },
    }));
    await waitForOk(discovery, started[0], 20_000);

    // (b) scimhub
    let databaseUrl = process.env.SCIMHUB_E2E_DATABASE_URL;
    if (!databaseUrl) {
      tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'scimhub-e2e-'));
      // mode=rwc: sqlx creates the file when it does not exist yet.
      databaseUrl = `sqlite://${path.join(tempDir, 'e2e.db')}?mode=rwc`;
    }
    process.env.SCIMHUB_E2E_DB = databaseUrl; // inherited by the test workers

    if (!fs.existsSync(SCIMHUB_BIN)) {
      throw new Error(`scimhub binary not found at ${SCIMHUB_BIN}: run \`cargo leptos build\` in the ` +
        'workspace root first, or point SCIMHUB_BIN at a built binary');
    }
    const listen = new URL(BASE_URL).host; // 127.0.0.1:3100
    started.push(start('scimhub', SCIMHUB_BIN, ['serve', '--listen', listen, '--public-url', BASE_URL], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        SCIMHUB_OIDC_ISSUER: OIDC_ISSUER,
        SCIMHUB_OIDC_CLIENT_ID: 'scimhub-e2e',
        SCIMHUB_OIDC_CLIENT_SECRET: 'scimhub-e2e-secret',
        SCIMHUB_ADMIN_CLAIM: 'groups',
        SCIMHUB_ADMIN_CLAIM_VALUE: 'scimhub-admins',
        // Alerts are evaluated every second, so a test sees one open and resolve in moments.
        SCIMHUB_ALERT_INTERVAL: '1',
        RUST_LOG: process.env.RUST_LOG || 'info',
      },
    }));
    await waitForOk(`${BASE_URL}/healthz`, started[1], 60_000);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}

function start(name: string, command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Started {
  const log = path.join(LOG_DIR, `${name}.log`);
  const out = fs.openSync(log, 'a');
  fs.writeSync(out, `$ ${command} ${args.join(' ')}\n`);
  const child = spawn(command, args, { ...options, stdio: ['ignore', out, out] });
  fs.closeSync(out); // the child keeps its own descriptor
  child.on('error', (error) => fs.appendFileSync(log, `spawn error: ${error.message}\n`));
  return { name, child, log };
}

/** Polls `url` until it answers 200; fails early (with the log's tail) when the process dies. */
async function waitForOk(url: string, s: Started, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (s.child.exitCode !== null || s.child.signalCode !== null) {
      throw new Error(`${s.name} exited (${s.child.exitCode ?? s.child.signalCode}) before ${url} answered.\n${tail(s.log)}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${s.name}: ${url} did not answer 200 within ${timeoutMs / 1000}s.\n${tail(s.log)}`);
}

/** A leftover server on our ports would answer in place of the fresh one: refuse to start. */
async function ensureFree(url: string) {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1_000) });
  } catch {
    return; // nothing listens: good
  }
  throw new Error(`something already answers at ${new URL(url).origin}: stop it before running the e2e tests`);
}

async function stop({ child }: Started) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function tail(file: string, lines = 40) {
  try {
    return `--- last lines of ${file} ---\n${fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n')}`;
  } catch {
    return '';
  }
}
