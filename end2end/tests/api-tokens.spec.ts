// Issue 24: API tokens in the dashboard. A platform administrator makes a token for one tenant:
// it is shown once, works on the administration API for that tenant only, shows when it was last
// used, and once revoked is refused at once. A tenant that does not exist is refused beside its
// field.
import path from 'node:path';
import { BASE_URL, REPO_ROOT, cli, expect, login, randomSuffix, settled, tableRows, test } from './helpers';

const SCREENSHOTS = path.join(REPO_ROOT, 'docs', 'screenshots');

async function api(token: string, apiPath: string) {
  const response = await fetch(`${BASE_URL}/admin/api/v1${apiPath}`, { headers: { Authorization: `Bearer ${token}` } });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
}

test('an API token is made for one tenant, shown once, used, and revoked', async ({ page }) => {
  const tenant = `Api-${randomSuffix()}`;
  const other = `Other-${randomSuffix()}`;
  await cli(['tenant', 'create', tenant]);
  await cli(['tenant', 'create', other]);
  const name = `pipeline ${randomSuffix()}`;

  await login(page, 'admin-alice', '/');
  await page.getByRole('link', { name: 'API tokens' }).click();
  await expect(page.getByRole('heading', { name: 'API tokens', level: 1 })).toBeVisible();
  await settled(page);

  // A tenant that does not exist is refused beside its field; nothing is made.
  await page.getByRole('textbox', { name: 'Name' }).fill(name);
  await page.getByRole('textbox', { name: 'Tenants' }).fill('no-such-tenant');
  await page.getByRole('button', { name: 'Make the token' }).click();
  await expect(page.getByRole('textbox', { name: 'Tenants' })).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('There is no tenant "no-such-tenant" (names are case-sensitive).')).toBeVisible();

  await page.getByRole('textbox', { name: 'Tenants' }).fill(tenant);
  await page.getByRole('combobox', { name: 'Expires after' }).selectOption('7');
  await page.getByRole('button', { name: 'Make the token' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Made the token "${name}" (${tenant}).` })).toBeVisible();
  const token = (await page.getByTestId('api-token').innerText()).trim();
  expect(token).toMatch(/^scimhub_api_[A-Za-z0-9_-]{43}$/);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'api-tokens.png'), fullPage: true });

  // It reaches its tenant, and no other.
  const scimPanel = await api(token, `/tenants/${tenant}/scim`);
  expect(scimPanel.status).toBe(200);
  expect(scimPanel.body.scimEndpoint).toBe(`${BASE_URL}/realms/${tenant}/scim/v2`);
  const stranger = await api(token, `/tenants/${other}/scim`);
  expect(stranger.status).toBe(404);
  expect(stranger.type).toBe('application/problem+json');

  // Shown once: after a reload only its row remains, with its use.
  await page.reload();
  await settled(page);
  await expect(page.getByTestId('api-token')).toHaveCount(0);
  const table = page.getByRole('table', { name: 'API tokens' });
  const row = (await tableRows(table)).find((r) => r['Name'] === name)!;
  expect(row['Reaches']).toBe(tenant);
  expect(row['Last used']).not.toBe('Never');
  expect(row['State']).toMatch(/^Expires in (6|7) days$/);

  await table.getByRole('row').filter({ hasText: name }).getByRole('button', { name: `Revoke ${name}` }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke now' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Revoked: scripts using it are refused from now on.' })).toBeVisible();
  await expect.poll(async () => (await tableRows(table)).find((r) => r['Name'] === name)?.['State']).toMatch(/^Revoked /);
  const refused = await api(token, `/tenants/${tenant}/scim`);
  expect(refused.status).toBe(401);
});
