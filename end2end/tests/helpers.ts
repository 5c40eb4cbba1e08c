// Shared steps for scimhub's end-to-end tests: the OIDC login through the local provider, the
// scimhub CLI against the e2e database, and raw SCIM requests.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { test as base, expect, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { BASE_URL, LOCAL_HOSTS, OIDC_ISSUER, REPO_ROOT, SCIMHUB_BIN } from '../support/env';

export { expect, BASE_URL, REPO_ROOT };

/**
 * `test` with two automatic fixtures: every request to a host other than 127.0.0.1/localhost is
 * aborted (the provider's pages @import a web font from the internet; nothing may leave the box),
 * and a console error or uncaught exception on a scimhub page fails the test (a broken
 * hydration shows up there first).
 */
export const test = base.extend<{ offlineOnly: void; noConsoleErrors: void }>({
  offlineOnly: [async ({ context }, use) => {
    await keepOffline(context);
    await use();
  }, { auto: true }],
  noConsoleErrors: [async ({ page }, use) => {
    const errors = consoleErrors(page);
    await use();
    expect(errors, 'console errors on scimhub pages').toEqual([]);
  }, { auto: true }],
});

/** Aborts every request of `context` to a host other than 127.0.0.1/localhost. */
export async function keepOffline(context: BrowserContext) {
  await context.route('**/*', (route) => {
    const { protocol, hostname } = new URL(route.request().url());
    const local = LOCAL_HOSTS.has(hostname) || !protocol.startsWith('http');
    return local ? route.continue() : route.abort('blockedbyclient');
  });
}

/** Collects the console errors and uncaught exceptions of `page` while it shows scimhub. */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  const onScimhub = () => page.url().startsWith(BASE_URL);
  page.on('console', (msg) => {
    if (msg.type() === 'error' && onScimhub()) errors.push(`${page.url()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => {
    if (onScimhub()) errors.push(`${page.url()}: ${err.message}`);
  });
  return errors;
}

const onProvider = (url: URL) => url.origin === OIDC_ISSUER;

/**
 * Signs in through the local OpenID provider: `/` → `/login` → "Sign in with SSO" → the
 * provider's dev login page (any password) → its consent page → back to scimhub. Stops wherever
 * scimhub sends the browser after its callback (a signed-in page, or `/login?error=…`).
 */
export async function signInThroughProvider(page: Page, loginName: string, from = '/') {
  await page.goto(from);
  await expect(page).toHaveURL(/\/login(\?|$)/);
  await expect(page.getByRole('heading', { name: 'Sign in to scimhub' })).toBeVisible();
  const loginPage = page.url();
  await page.getByRole('link', { name: 'Sign in with SSO' }).click();

  // The provider shows a login prompt, then a consent prompt; with an existing provider session
  // or grant it skips them, so act on whatever prompt is on screen until we are back.
  await page.waitForURL((url) => onProvider(url) || (url.href !== loginPage && !url.pathname.startsWith('/auth/')));
  for (let step = 0; step < 4 && onProvider(new URL(page.url())); step++) {
    const before = page.url();
    const prompt = page.locator('form input[type="hidden"][name="prompt"]');
    await prompt.waitFor({ state: 'attached' }).catch(async () => {
      throw new Error(`the OIDC provider did not show a prompt at ${before}:\n${await page.locator('body').innerText()}`);
    });
    const kind = await prompt.getAttribute('value');
    if (kind === 'login') {
      await page.getByPlaceholder('Enter any login').fill(loginName);
      await page.getByPlaceholder('and password').fill('any password');
      await page.getByRole('button', { name: 'Sign-in' }).click();
    } else if (kind === 'consent') {
      await page.getByRole('button', { name: 'Continue' }).click();
    } else {
      throw new Error(`unexpected OIDC provider prompt "${kind}" at ${before}`);
    }
    await page.waitForURL((url) => url.href !== before);
  }
  await expect(page).toHaveURL((url) => url.origin === new URL(BASE_URL).origin && !url.pathname.startsWith('/auth/'));
}

/** Signs in as an administrator and ends on a signed-in dashboard page. */
export async function login(page: Page, loginName: string, from = '/') {
  await signInThroughProvider(page, loginName, from);
  await expect(page).not.toHaveURL(/\/login/);
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

/** Waits until the page's scripts have loaded (Leptos hydrates after its .wasm arrives). */
export async function settled(page: Page) {
  await page.waitForLoadState('networkidle');
}

const run = promisify(execFile);

/**
 * Runs the scimhub CLI against the e2e database and returns its stdout, e.g.
 * `cli(['tenant', 'create', name])`, `cli(['secret', 'rotate', name])` (the secret is the last line).
 */
export async function cli(args: string[]): Promise<string> {
  const databaseUrl = process.env.SCIMHUB_E2E_DB;
  if (!databaseUrl) throw new Error('SCIMHUB_E2E_DB is not set: the global setup did not run');
  try {
    const { stdout } = await run(SCIMHUB_BIN, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, RUST_LOG: 'warn' },
      timeout: 30_000,
    });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`scimhub ${args.join(' ')} failed: ${e.message}\nstdout: ${e.stdout}\nstderr: ${e.stderr}`);
  }
}

/** The last non-empty line of a command's output (where `secret rotate` prints the secret). */
export const lastLine = (stdout: string) => stdout.trim().split('\n').pop()!.trim();

export type ScimResponse = { status: number; headers: Headers; body: any; text: string };

/** One SCIM request with a bearer token, as an identity provider sends it. */
export async function scim(method: string, url: string, token: string, body?: unknown): Promise<ScimResponse> {
  const response = await fetch(url, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      Accept: 'application/scim+json',
      'Content-Type': 'application/scim+json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** A random suffix of lowercase letters and digits. */
export function randomSuffix(length = 6) {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from({ length }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
}

/** A table's rows without its header row. */
export const bodyRows = (table: Locator) => table.getByRole('row').filter({ hasNot: table.page().getByRole('columnheader') });

/**
 * The body rows of a table as objects keyed by column header, read in one snapshot of the DOM:
 * reading row by row could count the rows of one render and read the cells of the next.
 */
export async function tableRows(table: Locator): Promise<Record<string, string>[]> {
  return table.evaluate((element) => {
    const text = (cell: Element) => (cell as HTMLElement).innerText.trim();
    const headers = Array.from(element.querySelectorAll('thead th'), text);
    return Array.from(element.querySelectorAll('tbody tr'), (row) => {
      const cells = Array.from(row.querySelectorAll('td, th'), text);
      return Object.fromEntries(headers.map((h, i) => [h, cells[i] ?? '']));
    });
  });
}

/** A message a webhook receiver took: its JSON body, and whether its signature verified. */
export type Received = { body: any; signed: boolean };

/**
 * A webhook receiver on a free local port, at `path`, that checks Standard Webhooks signatures
 * with the secret `secret()` gives when the message arrives (answering 204, or 401 when the
 * signature is wrong).
 */
export async function webhookReceiver(secret: () => string | undefined, path = '/hooks') {
  const messages: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const key = Buffer.from((secret() ?? '').replace(/^whsec_/, ''), 'base64');
      const signed = `${req.headers['webhook-id']}.${req.headers['webhook-timestamp']}.${body}`;
      const expected = `v1,${crypto.createHmac('sha256', key).update(signed).digest('base64')}`;
      const ok = String(req.headers['webhook-signature'] ?? '').split(' ').includes(expected);
      messages.push({ body: JSON.parse(body), signed: ok });
      res.writeHead(ok ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return { url, messages, close: () => new Promise((r) => server.close(r)) };
}
