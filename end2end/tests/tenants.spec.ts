// Tenant and administrator management (issue 8): a platform administrator creates two tenants
// with display names, finds one by typing in the selector, grants a customer's IT admin the
// right to one tenant; that admin, signed in through the OIDC provider, sees only that tenant
// and gets "not found" for the other's pages; the platform administrator disables and deletes
// a tenant (the deletion needs the exact, case-sensitive name) and reads it all in the audit trail.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { BASE_URL, REPO_ROOT, consoleErrors, expect, keepOffline, login, randomSuffix, settled, test } from './helpers';

async function createTenant(page: Page, name: string, displayName: string) {
  await page.goto('/');
  await settled(page);
  await page.getByRole('textbox', { name: 'Tenant name' }).fill(name);
  await page.getByRole('textbox', { name: 'Display name' }).fill(displayName);
  await page.getByRole('button', { name: 'Create tenant' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Created tenant "${name}".` })).toBeVisible();
}

test('MSP tenants: type-to-search, a tenant administrator sees only their tenant, disable and delete', async ({ browser, page }) => {
  const suffix = randomSuffix();
  const mine = `Contoso-${suffix}`;
  const other = `Fabrikam-${suffix}`;
  const carol = `it-carol-${suffix}`;

  await login(page, 'admin-alice');
  await createTenant(page, mine, `Contoso Ltd ${suffix}`);
  await createTenant(page, other, `Fabrikam Inc ${suffix}`);

  // The list finds a tenant by its display name; the row shows both names and its health.
  const search = page.getByRole('searchbox', { name: 'Search tenants' });
  await search.fill(`fabrikam inc ${suffix}`);
  const rows = page.locator('table.tenants tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(other);
  await expect(rows.first()).toContainText('Active');
  await search.fill('');
  await settled(page);
  await page.screenshot({ path: path.join(REPO_ROOT, 'docs', 'screenshots', 'tenants.png'), fullPage: true });
  await search.fill(`fabrikam inc ${suffix}`);

  // The selector: a few keystrokes of the display name and Enter open the tenant.
  const selector = page.getByRole('banner').getByRole('combobox', { name: 'Tenant' });
  await selector.fill(`contoso ltd ${suffix}`);
  await selector.press('Enter');
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${mine}`);
  await expect(page.getByTestId('display-name')).toHaveText(`Contoso Ltd ${suffix}`);

  // Grant Carol (by email) the right to administer this tenant only.
  await page.getByRole('link', { name: 'Administrators', exact: true }).click();
  await settled(page);
  await expect(page.getByTestId('no-tenant-admins')).toBeVisible();
  await page.getByRole('combobox', { name: 'Identify by' }).selectOption('email');
  await page.getByRole('textbox', { name: 'Identity' }).fill('not-an-email');
  await page.getByRole('button', { name: `Grant access to tenant "${mine}"` }).click();
  await expect(page.locator('#grant-principal-error')).toContainText('is not an email address');
  await page.getByRole('textbox', { name: 'Identity' }).fill(`${carol}@example.test`);
  await page.getByRole('button', { name: `Grant access to tenant "${mine}"` }).click();
  const tenantAdmins = page.getByRole('table', { name: 'Tenant administrators' });
  await expect(tenantAdmins).toContainText(`${carol}@example.test`);
  await expect(tenantAdmins).toContainText('Full');

  // Carol signs in through the identity provider in her own browser session.
  const carolContext = await browser.newContext({ baseURL: BASE_URL });
  await keepOffline(carolContext);
  const carolPage = await carolContext.newPage();
  const carolErrors = consoleErrors(carolPage);
  await login(carolPage, carol);
  await settled(carolPage);
  await expect(carolPage.locator('table.tenants tbody tr')).toHaveCount(1);
  await expect(carolPage.locator('table.tenants')).toContainText(mine);
  await expect(carolPage.locator('table.tenants')).not.toContainText(other);
  await expect(carolPage.getByRole('textbox', { name: 'Tenant name' })).toHaveCount(0);
  // Typing another tenant's URL shows nothing of it.
  for (const path of ['', '/users', '/log', '/integrations/scim', '/admins', '/audit', '/settings']) {
    const response = await carolPage.goto(`/tenants/${other}${path}`);
    expect(response?.status(), path).toBe(404);
    await expect(carolPage.getByRole('alert').first()).toContainText(/not found/i);
    await expect(carolPage.locator('main')).not.toContainText(`Fabrikam Inc ${suffix}`);
  }
  // Her own tenant works; its tenant-level settings are for platform administrators.
  await carolPage.goto(`/tenants/${mine}/settings`);
  await expect(carolPage.getByTestId('settings-platform-only')).toBeVisible();
  await carolPage.goto(`/tenants/${mine}/admins`);
  await expect(carolPage.getByRole('table', { name: 'Tenant administrators' })).toContainText(`${carol}@example.test`);
  await expect(carolPage.getByRole('button', { name: /^Remove / })).toHaveCount(0);
  // Chromium reports each deliberate 404 document as a console error; nothing else may appear.
  const deliberate404 = new RegExp(`^${BASE_URL}/tenants/${other}[^:]*: Failed to load resource: the server responded with a status of 404`);
  expect(carolErrors.filter((e) => !deliberate404.test(e)), 'console errors in the tenant administrator\'s session').toEqual([]);
  expect(carolErrors.length).toBe(7);
  await carolContext.close();

  // Alice disables the other tenant (the confirmation names it), then deletes it.
  await page.goto(`/tenants/${other}/settings`);
  await settled(page);
  await page.getByRole('button', { name: `Disable tenant "${other}"` }).click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toContainText(`Disable tenant "${other}"?`);
  await dialog.getByRole('button', { name: 'Disable now' }).click();
  await expect(page.getByRole('button', { name: `Enable tenant "${other}"` })).toBeVisible();

  const confirm = page.getByRole('textbox', { name: `Type the tenant name "${other}" to confirm` });
  const del = page.getByRole('button', { name: `Delete tenant "${other}" and all its data` });
  await confirm.fill(other.toLowerCase());
  await expect(del).toBeDisabled();
  await confirm.fill(other);
  await expect(del).toBeEnabled();
  await del.click();
  await expect(page).toHaveURL(`${BASE_URL}/`);
  await page.getByRole('searchbox', { name: 'Search tenants' }).fill(suffix);
  await expect(page.locator('table.tenants tbody tr')).toHaveCount(1);

  // The platform-wide audit trail tells the story, and exports it.
  await page.getByRole('banner').getByRole('link', { name: 'Audit trail' }).click();
  await expect(page).toHaveURL(`${BASE_URL}/audit`);
  await page.getByRole('searchbox', { name: 'Filter' }).fill(suffix);
  const audit = page.locator('table.audit tbody tr');
  await expect(audit.first()).toContainText(`Deleted the tenant "${other}"`);
  await expect(page.locator('table.audit')).toContainText(`Disabled the tenant "${other}"`);
  await expect(page.locator('table.audit')).toContainText(`Granted email ${carol}@example.test full administration`);
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export CSV' }).click();
  const csv = fs.readFileSync(await (await download).path(), 'utf8');
  expect(csv.split('\n')[0]).toBe('time,tenant,actor,action,summary,client_addr,id');
  expect(csv).toContain('tenant.delete');
  expect(csv).toContain(`${carol}@example.test`);
});
