// The SCIM integration panel (issue 4): an administrator enables the endpoint, switches to the
// Azure profile (a bad Azure tenant ID is refused next to its field and not saved), generates
// and copies the bearer secret, rotates it without and with a grace period — each step proved by
// SCIM requests — and finds every change in the audit trail.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { BASE_URL, REPO_ROOT, bodyRows, expect, login, randomSuffix, scim, settled, test } from './helpers';

const SCREENSHOTS = path.join(REPO_ROOT, 'docs', 'screenshots');
const AZURE_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

/** A table's body rows (the rows without column headers). */
/** The status of a SCIM list request with this token. */
async function scimStatus(endpoint: string, token: string) {
  const r = await scim('GET', `${endpoint}/Users`, token);
  return r.status;
}

/** Confirms the open rotation step (choosing a grace period) and returns the one-time secret. */
async function rotate(page: Page, opener: string, confirm: string, grace?: string): Promise<string> {
  const block = page.getByRole('region', { name: 'SCIM secret token' });
  await block.getByRole('button', { name: opener, exact: true }).click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toBeFocused();
  if (grace) {
    await dialog.getByRole('combobox', { name: 'Keep the previous secret working for' }).selectOption({ label: grace });
  }
  const shown = page.getByTestId('new-secret-bearer');
  const before = (await shown.count()) > 0 ? await shown.innerText() : '';
  await dialog.getByRole('button', { name: confirm, exact: true }).click();
  await expect(dialog).toHaveCount(0);
  const box = page.getByRole('region', { name: 'New SCIM secret' });
  await expect(shown).not.toHaveText(before);
  await expect(box).toBeFocused();
  await expect(box).toContainText('it will not be shown again');
  const secret = (await shown.innerText()).trim();
  expect(secret).toMatch(/^scimhub_[A-Za-z0-9_-]{43}$/);
  return secret;
}

/** Signs in, creates a Generic tenant and opens its SCIM integration tab. */
async function openScimPanel(page: Page, tenant: string) {
  await login(page, 'admin-alice');
  await settled(page);
  await page.getByRole('textbox', { name: 'Tenant name' }).fill(tenant);
  await page.getByRole('combobox', { name: 'Profile', exact: true }).selectOption({ label: 'Generic' });
  await page.getByRole('button', { name: 'Create tenant' }).click();
  await expect(page.getByRole('link', { name: tenant, exact: true })).toBeVisible();
  await page.getByRole('link', { name: tenant, exact: true }).click();
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}`);
  await page.getByRole('link', { name: 'Integrations', exact: true }).click();
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}/integrations/scim`);
  await expect(page.getByRole('heading', { name: 'Integrations → SCIM', exact: true })).toBeVisible();
  await settled(page);
}

test('SCIM integration: settings, one-time secrets, rotation with and without grace, audit trail', async ({ page, context }) => {
  const tenant = `Integr-${randomSuffix()}`;
  const endpoint = `${BASE_URL}/realms/${tenant}/scim/v2`;
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });

  await openScimPanel(page, tenant);

  // The generated details, each with its copy button.
  await expect(page.getByTestId('detail-scim-endpoint')).toHaveText(endpoint);
  await expect(page.getByTestId('detail-token-endpoint'))
    .toHaveText(`${BASE_URL}/realms/${tenant}/protocol/openid-connect/token`);
  const details = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Needed' }) });
  await expect(details.getByRole('row', { name: /SCIM endpoint/ })).toContainText('Mandatory');
  // The badge follows the remote-token switch as it is flipped, before any save.
  const tokenBadge = details.getByRole('row', { name: /Token endpoint/ }).locator('.badge');
  await expect(tokenBadge).toHaveText('Only with remote token authentication (off)');
  const remoteSwitch = page.getByRole('checkbox', { name: 'Use remote token authentication' });
  await remoteSwitch.check();
  await expect(tokenBadge).toHaveText('Only with remote token authentication');
  await remoteSwitch.uncheck();
  await expect(tokenBadge).toHaveText('Only with remote token authentication (off)');
  await page.getByRole('button', { name: 'Copy SCIM endpoint' }).click();
  await expect(details.getByRole('row', { name: /SCIM endpoint/ }).getByRole('status')).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(endpoint);

  const enable = page.getByRole('checkbox', { name: 'Enable endpoint' });
  const update = page.getByRole('button', { name: 'Update', exact: true });
  const saved = page.getByRole('status').filter({ hasText: 'Settings saved.' });
  const azure = page.getByRole('radio', { name: 'Azure' });
  const generic = page.getByRole('radio', { name: 'Generic' });
  const azureId = page.getByRole('textbox', { name: 'Azure tenant ID' });
  const azureError = page.locator('#scim-azure-tenant-id-error');

  // Switch the endpoint off and on again (a SCIM request proves both states once a secret exists).
  await expect(generic).toBeChecked();
  await expect(azure).toHaveAccessibleDescription('Only for Microsoft Entra ID');
  await expect(enable).toBeChecked();
  await enable.uncheck();
  await update.click();
  // Switching the endpoint off asks first, naming the tenant; Cancel saves nothing.
  const offDialog = page.getByRole('alertdialog');
  await expect(offDialog).toContainText(`Disable the SCIM endpoint of tenant "${tenant}"?`);
  await offDialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(offDialog).toHaveCount(0);
  await expect(saved).toHaveCount(0);
  await update.click();
  await offDialog.getByRole('button', { name: 'Disable and save' }).click();
  await expect(saved).toBeVisible();
  await page.reload();
  await settled(page);
  await expect(enable).not.toBeChecked();
  await enable.check();
  await update.click();
  await expect(saved).toBeVisible();

  // Azure with a bad tenant ID: explained next to the field, focused, and nothing saved.
  await azure.check();
  await azureId.fill('contoso.onmicrosoft.com');
  await update.click();
  await expect(azureError).toContainText('is not an Azure tenant ID');
  await expect(azureError).toContainText('8-4-4-4-12');
  await expect(azureError).toHaveAttribute('role', 'alert');
  await expect(azureId).toHaveAttribute('aria-invalid', 'true');
  await expect(azureId).toHaveAccessibleDescription(/is not an Azure tenant ID/);
  await expect(azureId).toBeFocused();
  await expect(saved).toHaveCount(0);
  await page.reload();
  await settled(page);
  await expect(generic).toBeChecked();
  await expect(azureId).toHaveValue('');
  await expect(azureError).toBeEmpty();

  // A good one, in upper case: saved, and shown as stored (lower case).
  await azure.check();
  await azureId.fill(AZURE_TENANT.toUpperCase());
  await update.click();
  await expect(saved).toBeVisible();
  await expect(azureId).toHaveValue(AZURE_TENANT);
  await expect(azureId).toHaveAttribute('aria-invalid', 'false');
  await page.reload();
  await settled(page);
  await expect(azure).toBeChecked();
  await expect(azureId).toHaveValue(AZURE_TENANT);
  // Under the Azure profile the Tenant URL Entra ID wants has its own row and copy button.
  const tenantUrl = details.getByRole('row', { name: /Tenant URL for Entra ID/ });
  await expect(tenantUrl.getByTestId('detail-tenant-url')).toHaveText(
    `${await page.getByTestId('detail-scim-endpoint').textContent()}?aadOptscim062020`);
  await tenantUrl.getByRole('button', { name: 'Copy Tenant URL' }).click();
  await expect(tenantUrl.getByRole('status')).toHaveText('Copied');

  // Generate the bearer secret: shown once, copied, and it works.
  const block = page.getByRole('region', { name: 'SCIM secret token' });
  await expect(block).toContainText('No SCIM secret yet.');
  await block.getByRole('button', { name: 'Generate secret token' }).click();
  await expect(page.getByRole('alertdialog')).toContainText(`Generate a SCIM secret for tenant "${tenant}"?`);
  await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('alertdialog')).toHaveCount(0);
  await expect(block.getByRole('button', { name: 'Generate secret token' })).toBeFocused();
  const first = await rotate(page, 'Generate secret token', 'Generate now');
  const box = page.getByRole('region', { name: 'New SCIM secret' });
  await box.getByRole('button', { name: 'Copy new SCIM secret' }).click();
  await expect(box.getByRole('status')).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(first);
  expect(await scimStatus(endpoint, first)).toBe(200);

  // Once dismissed it is gone for good: only the masked hint remains, also after a reload.
  await box.getByRole('button', { name: 'I have copied it' }).click();
  await expect(box).toHaveCount(0);
  await expect(bodyRows(block.getByRole('table'))).toHaveCount(1);
  await expect(block.getByRole('table')).toContainText('scimhub_…');
  await page.reload();
  await settled(page);
  expect(await page.content()).not.toContain(first);

  // Rotate without a grace period: the old secret is refused at once, the new one works.
  await block.getByRole('button', { name: 'Rotate secret token' }).click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toContainText(`Rotate the SCIM secret of tenant "${tenant}"?`);
  await expect(dialog.getByRole('combobox', { name: 'Keep the previous secret working for' })).toHaveValue('0');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  const second = await rotate(page, 'Rotate secret token', 'Rotate now');
  expect(second).not.toBe(first);
  await expect(box).toContainText('The previous one was revoked.');
  expect(await scimStatus(endpoint, first)).toBe(401);
  expect(await scimStatus(endpoint, second)).toBe(200);

  // Rotate with a grace period of one hour: both work, the old one is listed with its expiry.
  const third = await rotate(page, 'Rotate secret token', 'Rotate now', '1 hour');
  await expect(box).toContainText('The previous one keeps working until');
  expect(await scimStatus(endpoint, second)).toBe(200);
  expect(await scimStatus(endpoint, third)).toBe(200);
  expect(await scimStatus(endpoint, first)).toBe(401);
  await expect(bodyRows(block.getByRole('table'))).toHaveCount(2);
  await expect(bodyRows(block.getByRole('table')).filter({ hasText: '(grace period)' })).toHaveCount(1);

  // A disabled endpoint refuses even a valid secret (403); enabled again, it answers.
  await enable.uncheck();
  await update.click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Disable and save' }).click();
  await expect.poll(() => scimStatus(endpoint, third)).toBe(403);
  const refused = await scim('GET', `${endpoint}/Users`, third);
  expect(refused.body.detail).toContain('disabled');
  await enable.check();
  await update.click();
  await expect.poll(() => scimStatus(endpoint, third)).toBe(200);

  // The audit trail: who did what, newest first, and never a secret.
  const audit = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'What' }) });
  const what = async () => (await bodyRows(audit).locator('td:nth-child(3)').allInnerTexts()).map((t) => t.trim());
  await expect.poll(what).toEqual([
    'Updated the SCIM settings: endpoint enabled',
    'Updated the SCIM settings: endpoint disabled',
    'Generated a new SCIM secret token; the previous one works for 1 hour more',
    'Generated a new SCIM secret token; the previous one was revoked',
    'Generated a new SCIM secret token',
    `Updated the SCIM settings: profile Generic → Azure; Azure tenant ID set to ${AZURE_TENANT}`,
    'Updated the SCIM settings: endpoint enabled',
    'Updated the SCIM settings: endpoint disabled',
    `Created the tenant "${tenant}" (${tenant}, Generic profile)`,
  ]);
  for (const who of await bodyRows(audit).locator('td:nth-child(2)').allInnerTexts()) {
    expect(who.trim()).toBe('admin-alice@example.test');
  }
  const auditText = await audit.innerText();
  for (const secret of [first, second, third]) expect(auditText).not.toContain(secret);

  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await settled(page);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'scim-integration.png'), fullPage: true });

  // Reset directory: the typed name must match exactly (case-sensitive), then every user goes.
  const created = await scim('POST', `${endpoint}/Users`, third, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'reset-me@acme.test' });
  expect(created.status, created.text).toBe(201);
  const confirmBox = page.getByRole('textbox', { name: `Type the tenant name "${tenant}" to confirm` });
  const resetButton = page.getByRole('button', { name: `Reset the directory of tenant "${tenant}"` });
  await confirmBox.fill(tenant.toLowerCase());
  await expect(resetButton).toBeDisabled();
  await confirmBox.fill(tenant);
  await expect(resetButton).toBeEnabled();
  await resetButton.click();
  await expect(page.getByRole('status').filter({ hasText: 'Deleted 1 user(s) and 0 group(s).' })).toBeVisible();
  const after = await scim('GET', `${endpoint}/Users`, third);
  expect(after.body.totalResults).toBe(0);
  await expect.poll(async () => (await what())[0]).toBe('Reset the directory: deleted 1 user(s) and 0 group(s)');

  // Revoking ends both secrets at once.
  await block.getByRole('button', { name: 'Revoke secret token' }).click();
  await expect(dialog).toContainText(`Revoke the SCIM secret of tenant "${tenant}"?`);
  await dialog.getByRole('button', { name: 'Revoke now' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Revoked 2 SCIM secrets.' })).toBeVisible();
  await expect(box).toHaveCount(0);
  await expect(block).toContainText('No SCIM secret yet.');
  expect(await scimStatus(endpoint, second)).toBe(401);
  expect(await scimStatus(endpoint, third)).toBe(401);
  await expect.poll(async () => (await what())[0]).toBe('Revoked 2 SCIM secret token(s)');
});

test('Advanced SCIM settings: required attributes and user linking on creation', async ({ page }) => {
  const tenant = `Adv-${randomSuffix()}`;
  const endpoint = `${BASE_URL}/realms/${tenant}/scim/v2`;
  await openScimPanel(page, tenant);
  const token = await rotate(page, 'Generate secret token', 'Generate now');

  const required = page.getByRole('textbox', { name: 'Required attributes' });
  const linking = page.getByRole('combobox', { name: 'User linking on creation' });
  const requiredError = page.locator('#scim-required-attributes-error');
  const update = page.getByRole('button', { name: 'Update', exact: true });
  const saved = page.getByRole('status').filter({ hasText: 'Settings saved.' });
  await expect(linking).toHaveValue('off');
  await expect(linking).toHaveAccessibleDescription(/answered with 409/);

  // A server-set attribute cannot be required: explained at the field, focused, nothing saved.
  await required.fill('displayName, meta');
  await update.click();
  await expect(requiredError).toContainText('"meta" is set by scimhub');
  await expect(required).toBeFocused();
  await expect(required).toHaveAttribute('aria-invalid', 'true');
  await expect(saved).toHaveCount(0);

  await required.fill('displayName');
  await linking.selectOption({ label: 'By userName' });
  await expect(linking).toHaveAccessibleDescription(/without an identity-provider link/);
  await update.click();
  await expect(saved).toBeVisible();
  await expect(requiredError).toBeEmpty();
  await page.reload();
  await settled(page);
  await expect(required).toHaveValue('displayName');
  await expect(linking).toHaveValue('userName');

  // Over SCIM: a user without displayName is refused with the attribute named.
  const core = 'urn:ietf:params:scim:schemas:core:2.0:User';
  const refused = await scim('POST', `${endpoint}/Users`, token, { schemas: [core], userName: 'grace@acme.test' });
  expect(refused.status).toBe(400);
  expect(refused.body.detail).toContain('"displayName"');

  // A user created without an identity-provider link, then adopted by an Entra-like create.
  const local = await scim('POST', `${endpoint}/Users`, token, { schemas: [core], userName: 'grace@acme.test', displayName: 'Grace (local)' });
  expect(local.status, local.text).toBe(201);
  const linked = await scim('POST', `${endpoint}/Users`, token, {
    schemas: [core], userName: 'GRACE@acme.test', externalId: 'entra-grace', displayName: 'Grace Hopper',
  });
  expect(linked.status, linked.text).toBe(201);
  expect(linked.body.id).toBe(local.body.id);
  expect(linked.body.externalId).toBe('entra-grace');
  const list = await scim('GET', `${endpoint}/Users`, token);
  expect(list.body.totalResults).toBe(1);

  // The change is in the audit trail.
  const audit = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'What' }) });
  await expect(bodyRows(audit).first())
    .toContainText('Updated the SCIM settings: user linking on creation by userName; required attributes: displayName');
});
