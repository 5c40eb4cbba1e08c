// The provisioning log viewer: an identity provider's duplicate userName and bad filter are
// found with the filters (kept in the URL, so the back button steps through them), their detail
// drawer shows the redacted bodies and the SCIM error, the filtered set is exported as CSV, a
// time the server cannot read is refused beside its field, and the live tail shows a new request.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { BASE_URL, REPO_ROOT, bodyRows, cli, expect, lastLine, login, randomSuffix, scim, settled, tableRows, test } from './helpers';

const SCREENSHOTS = path.join(REPO_ROOT, 'docs', 'screenshots');
const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const CSV_HEADER =
  'time,method,path,operation,status,resourceType,resourceId,userName,scimType,detail,latencyMs,credentialId,clientAddr,userAgent,repeatCount,lastSeen,' +
  'application,requestId';

/** The log table. */
const logTable = (page: Page) => page.locator('table.log');

/** Sets the filter form's fields and applies it. */
async function applyFilters(page: Page, fields: { op?: string; outcome?: string; resource?: string; text?: string }) {
  await page.getByLabel('Operation').selectOption(fields.op ?? '');
  await page.getByLabel('Outcome').selectOption(fields.outcome ?? '');
  await page.getByLabel('Resource', { exact: true }).fill(fields.resource ?? '');
  await page.getByLabel('Text', { exact: true }).fill(fields.text ?? '');
  await page.getByRole('button', { name: 'Apply filters' }).click();
}

test('the log viewer finds SCIM errors with its filters, shows their detail and exports them', async ({ page }) => {
  const suffix = randomSuffix();
  const tenant = `Log-${suffix}`;
  const endpoint = `${BASE_URL}/realms/${tenant}/scim/v2`;
  const userName = `alice-${suffix}@example.test`;
  await cli(['tenant', 'create', tenant]);
  const secret = lastLine(await cli(['secret', 'rotate', tenant]));

  // An identity provider creates a user, creates it again, and sends a filter with no value.
  const created = await scim('POST', `${endpoint}/Users`, secret, { schemas: [CORE], userName, active: true });
  expect(created.status, created.text).toBe(201);
  const userId: string = created.body.id;
  const duplicate = await scim('POST', `${endpoint}/Users`, secret, {
    schemas: [CORE], userName, password: `pw-${suffix}-secret`,
  });
  expect(duplicate.status, duplicate.text).toBe(409);
  const badFilter = await scim('GET', `${endpoint}/Users?filter=${encodeURIComponent('userName eq')}`, secret);
  expect(badFilter.status, badFilter.text).toBe(400);
  expect((await scim('GET', `${endpoint}/Users/${userId}`, secret)).status).toBe(200);

  await login(page, 'admin-logs');
  await page.goto(`/tenants/${tenant}/log`);
  await expect(page.getByRole('heading', { name: 'Provisioning log' })).toBeVisible();
  // The chart is SVG from the server, with its totals for screen readers.
  await expect(page.getByRole('img', { name: /^4 requests, 2 of them errors, in the last 24 hours/ })).toBeVisible();
  await expect(bodyRows(logTable(page))).toHaveCount(4);
  await settled(page);
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'log.png'), fullPage: true });

  // The duplicate userName: creations that failed with a client error.
  await applyFilters(page, { op: 'create', outcome: 'client' });
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}/log?op=create&outcome=client`);
  const conflict = bodyRows(logTable(page));
  await expect(conflict).toHaveCount(1);
  await expect(conflict).toContainText('409');
  await expect(conflict).toContainText(`userName "${userName}" is already taken`);
  // In plain words, and under the userName it attempted, so a search by name finds the refusal.
  const [refusal] = await tableRows(logTable(page));
  // It names the user that holds the userName, so the collision can be traced.
  expect(refusal.Summary).toBe(
    `Refused: userName "${userName}" is already taken by ${userName} (id ${userId}), which has no externalId`,
  );
  expect(refusal['User name']).toBe(userName);

  // Its detail: status, SCIM error, the redacted request and the response.
  await conflict.getByRole('button').click();
  const drawer = page.getByRole('dialog', { name: 'Request detail' });
  await expect(drawer).toBeVisible();
  await expect(drawer.getByTestId('log-entry-status')).toHaveText('409');
  await expect(drawer.getByTestId('log-entry-error')).toContainText('uniqueness');
  const request = drawer.getByTestId('log-entry-request');
  await expect(request).toContainText(`"userName": "${userName}"`);
  await expect(request).toContainText('[redacted]');
  await expect(request).not.toContainText(`pw-${suffix}-secret`);
  await expect(drawer.getByTestId('log-entry-response')).toContainText('"scimType": "uniqueness"');
  await expect(drawer).toContainText('POST /Users');
  await drawer.getByRole('button', { name: 'Close' }).click();
  await expect(drawer).toBeHidden();

  // The bad filter: a client error whose SCIM error says invalidFilter.
  await applyFilters(page, { outcome: 'client', text: 'invalidfilter' });
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}/log?outcome=client&q=invalidfilter`);
  const invalid = bodyRows(logTable(page));
  await expect(invalid).toHaveCount(1);
  await expect(invalid).toContainText('400');
  await expect(invalid).toContainText('/Users?filter=');
  await invalid.getByRole('button').click();
  await expect(drawer.getByTestId('log-entry-error')).toContainText('invalidFilter');
  await expect(drawer.getByTestId('log-entry-status')).toHaveText('400');
  await drawer.getByRole('button', { name: 'Close' }).click();

  // The filters are in the URL: back returns to the previous ones.
  await page.goBack();
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}/log?op=create&outcome=client`);
  await expect(bodyRows(logTable(page))).toHaveCount(1);
  await expect(bodyRows(logTable(page))).toContainText('409');

  // The rows of its userName: the user's own two, and the refused duplicate that attempted it.
  await applyFilters(page, { resource: userName });
  await expect(bodyRows(logTable(page))).toHaveCount(3);
  await expect(logTable(page)).toContainText(`User/${userId}`);

  // Both errors, exported as CSV.
  await applyFilters(page, { outcome: 'client' });
  await expect(bodyRows(logTable(page))).toHaveCount(2);
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export CSV' }).click();
  expect((await download).suggestedFilename()).toBe(`${tenant}-provisioning-log.csv`);
  const csv = fs.readFileSync(await (await download).path(), 'utf8');
  const lines = csv.trim().split('\n');
  expect(lines[0]).toBe(CSV_HEADER);
  expect(lines).toHaveLength(3);
  expect(lines[1]).toMatch(/^[^,]+,GET,\/Users\?filter=[^,]*,list,400,User,,,invalidFilter,/);
  // The refused creation keeps the userName it attempted.
  expect(lines[2]).toMatch(new RegExp(`^[^,]+,POST,/Users,create,409,User,,${userName.replace(/[.]/g, '\\.')},uniqueness,`));
  expect(lines[2]).toContain(`is already taken`);
  // Each row ends with its request id (scimhub's, as the client sent none); none went to an application.
  expect(lines[2]).toMatch(/,,[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(csv).not.toContain(secret);
});

test('a time the server cannot read is refused beside its field, and the live tail follows new requests', async ({ page }) => {
  const suffix = randomSuffix();
  const tenant = `Tail-${suffix}`;
  const endpoint = `${BASE_URL}/realms/${tenant}/scim/v2`;
  await cli(['tenant', 'create', tenant]);
  const secret = lastLine(await cli(['secret', 'rotate', tenant]));
  expect((await scim('GET', `${endpoint}/Users`, secret)).status).toBe(200);

  await login(page, 'admin-tail');
  await page.goto(`/tenants/${tenant}/log?from=yesterday`);
  const from = page.getByLabel('From (UTC)');
  await expect(from).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#log-from-error')).toContainText('"yesterday" is not a time');
  await expect(logTable(page)).toHaveCount(0);

  // A quick pick replaces the time; the live tail adds the requests that arrive.
  await page.getByRole('link', { name: 'Last hour' }).click();
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}/log?last=1h`);
  await expect(bodyRows(logTable(page))).toHaveCount(1);
  await settled(page);
  const state = page.getByTestId('live-state');
  await expect(state).toHaveText('Paused.');
  await page.getByRole('button', { name: 'Live' }).click();
  await expect(state).toContainText('Live');
  expect((await scim('GET', `${endpoint}/Users/live-${suffix}`, secret)).status).toBe(404);
  await expect(bodyRows(logTable(page)).first()).toContainText(`/Users/live-${suffix}`, { timeout: 10_000 });
  await expect(bodyRows(logTable(page))).toHaveCount(2);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(state).toHaveText('Paused.');
  expect((await scim('GET', `${endpoint}/Users/paused-${suffix}`, secret)).status).toBe(404);
  await page.waitForTimeout(3_000);
  await expect(logTable(page)).not.toContainText(`paused-${suffix}`);
});
