// The foundation journey: an administrator signs in through OIDC, creates an Azure-profile
// tenant, Entra's create sequence runs over SCIM, and the dashboard shows the user and the log.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import {
  BASE_URL, REPO_ROOT, bodyRows, cli, expect, lastLine, login, randomSuffix, scim, settled, signInThroughProvider, tableRows, test,
} from './helpers';

const SCREENSHOTS = path.join(REPO_ROOT, 'docs', 'screenshots');
const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** The signed-in top bar's tenant selector (not the "Tenant name" textbox of the create form). */
const tenantSelect = (page: Page) => page.getByRole('banner').getByRole('combobox', { name: 'Tenant', exact: true });

test('admin signs in, creates an Azure tenant, Entra provisions a user, the dashboard shows it', async ({ page }) => {
  const tenant = `Acme-${randomSuffix()}`;
  const endpoint = `${BASE_URL}/realms/${tenant}/scim/v2`;

  // Sign in through the local OpenID provider.
  await login(page, 'admin-alice');
  const banner = page.getByRole('banner');
  await expect(banner).toContainText('scimhub');
  await expect(banner).toContainText('admin-alice@example.test');

  // Create the tenant with the dashboard form.
  await expect(page).toHaveURL(`${BASE_URL}/`);
  await expect(page.getByRole('heading', { name: 'Tenants' })).toBeVisible();
  await settled(page);
  await page.getByRole('textbox', { name: 'Tenant name' }).fill(tenant);
  await page.getByRole('combobox', { name: 'Profile', exact: true }).selectOption({ label: 'Azure' });
  await page.getByRole('button', { name: 'Create tenant' }).click();
  const tenantsTable = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Profile' }) });
  const tenantRow = bodyRows(tenantsTable).filter({ hasText: tenant });
  await expect(tenantRow).toHaveCount(1);
  await expect(tenantRow).toContainText('Azure');
  await expect(page.locator(`#tenant-options option[value="${tenant}"]`)).toHaveCount(1);

  // Typing its name in the selector opens its overview (the selector needs the hydrated page).
  await settled(page);
  await expect(async () => {
    await tenantSelect(page).fill(tenant);
    await tenantSelect(page).press('Enter');
    await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}`, { timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
  await expect(page.getByRole('heading', { name: tenant, exact: true })).toBeVisible();
  await expect(page.getByText('SCIM endpoint (Tenant URL in Entra ID)', { exact: true })).toBeVisible();
  await expect(page.getByTestId('scim-endpoint')).toHaveText(endpoint);

  // A bearer secret from the CLI (shown once: the last line of its output).
  const secret = lastLine(await cli(['secret', 'rotate', tenant]));
  expect(secret.length).toBeGreaterThanOrEqual(32);

  // Entra ID's create sequence: look the user up, create it, then deactivate it.
  const filter = new URLSearchParams({ filter: 'userName eq "pilot@acme.test"' });
  const lookup = await scim('GET', `${endpoint}/Users?${filter}`, secret);
  expect(lookup.status, lookup.text).toBe(200);
  expect(lookup.body.totalResults).toBe(0);

  const created = await scim('POST', `${endpoint}/Users`, secret, {
    schemas: [CORE, ENTERPRISE],
    externalId: 'a1f6c5b2-pilot',
    userName: 'pilot@acme.test',
    active: true,
    displayName: 'Pirx the Pilot',
    meta: { resourceType: 'User' },
    name: { formatted: 'Pirx Pilot', givenName: 'Pirx', familyName: 'Pilot' },
    emails: [{ primary: true, type: 'work', value: 'pilot@acme.test' }],
    roles: [],
    [ENTERPRISE]: { department: 'Flight Operations' },
  });
  expect(created.status, created.text).toBe(201);
  expect(typeof created.body.id).toBe('string');
  expect(created.body.userName).toBe('pilot@acme.test');
  expect(created.body.active).toBe(true);
  expect(created.body[ENTERPRISE]?.department).toBe('Flight Operations');
  const userId: string = created.body.id;

  const deactivated = await scim('PATCH', `${endpoint}/Users/${userId}`, secret, {
    schemas: [PATCH_OP],
    Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
  });
  expect(deactivated.status, deactivated.text).toBe(200);
  expect(deactivated.body.active).toBe(false);

  // A wrong token is refused with a SCIM error.
  const refused = await scim('GET', `${endpoint}/Users`, 'not-the-secret');
  expect(refused.status, refused.text).toBe(401);
  expect(refused.body.schemas).toContain(ERROR);
  expect(String(refused.body.status)).toBe('401');

  // The Users page lists the deactivated user.
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}/users`);
  await expect(page.getByRole('heading', { name: 'Users', exact: true })).toBeVisible();
  const usersTable = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'User name' }) });
  const userRow = bodyRows(usersTable).filter({ hasText: 'pilot@acme.test' });
  await expect(userRow).toHaveCount(1);
  const user = (await tableRows(usersTable)).find((row) => row['User name'] === 'pilot@acme.test');
  expect(user).toMatchObject({
    'User name': 'pilot@acme.test', 'Display name': 'Pirx the Pilot', 'External ID': 'a1f6c5b2-pilot', Status: 'Deactivated',
  });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await settled(page);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'users.png'), fullPage: true });

  // The provisioning log: newest first, all four requests, and never the secret.
  await page.getByRole('link', { name: 'Provisioning log', exact: true }).click();
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}/log`);
  await expect(page.getByRole('heading', { name: 'Provisioning log' })).toBeVisible();
  const logTable = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Operation' }) });
  // Log rows of reads may be written in batches: reload until all four are there.
  await expect(async () => {
    await page.reload();
    await expect(bodyRows(logTable)).toHaveCount(4, { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  const rows = await tableRows(logTable);
  const find = (method: string, status: string, what: string) => {
    const i = rows.findIndex((r) => r.Method.toUpperCase() === method && r.Status.startsWith(status));
    expect(i, `log row for the ${what} (${method} → ${status}) in ${JSON.stringify(rows, null, 1)}`).toBeGreaterThanOrEqual(0);
    return i;
  };
  const refusedRow = find('GET', '401', 'refused request');
  const patchRow = find('PATCH', '200', 'deactivation');
  const postRow = find('POST', '201', 'creation');
  const lookupRow = find('GET', '200', 'filter lookup');
  expect([refusedRow, patchRow, postRow, lookupRow]).toEqual([0, 1, 2, 3]);
  expect(rows[lookupRow].Path).toContain('/Users');
  expect(rows[postRow]['User name']).toContain('pilot@acme.test');
  expect(rows[patchRow]['User name']).toContain('pilot@acme.test');
  await settled(page);
  expect(await page.content()).not.toContain(secret);
  expect(await page.locator('body').innerText()).not.toContain(secret);

  // The overview counts the user, then its screenshot for the README.
  await page.getByRole('link', { name: 'Overview', exact: true }).click();
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}`);
  await expect(page.getByTestId('count-users')).toHaveText(/(^|\D)1(\D|$)/);
  await expect(page.getByTestId('count-active')).toHaveText(/(^|\D)0(\D|$)/);
  await expect(page.getByTestId('count-deactivated')).toHaveText(/(^|\D)1(\D|$)/);
  await settled(page);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'overview.png'), fullPage: true });

  // Sign out: the dashboard asks for a login again.
  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login(\?|$)|\/$/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login(\?|$)/);
  await expect(page.getByRole('heading', { name: 'Sign in to scimhub' })).toBeVisible();
});

test('the dashboard is closed to anonymous visitors and to non-administrators', async ({ page }) => {
  const tenant = `Closed-${randomSuffix()}`;
  await cli(['tenant', 'create', tenant]);

  // No session: tenant pages send the browser to the login page.
  await page.goto(`/tenants/${tenant}/users`);
  await expect(page).toHaveURL(/\/login(\?|$)/);

  // A valid OIDC login without the admin group is refused.
  await signInThroughProvider(page, 'mallory');
  await expect(page).toHaveURL(/\/login\?error=/);
  await expect(page.getByRole('alert')).toContainText('not an administrator');
  await expect(page.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
  await expect(page.getByRole('combobox', { name: 'Tenant', exact: true })).toHaveCount(0);
  await expect(page.getByText(tenant)).toHaveCount(0);

  // And no session came of it.
  await page.goto(`/tenants/${tenant}`);
  await expect(page).toHaveURL(/\/login(\?|$)/);
  await expect(page.getByText(tenant)).toHaveCount(0);
});
