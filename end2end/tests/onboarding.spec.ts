// Issue 6: the onboarding checklist on the SCIM panel turns green step by step while a scripted
// Entra-like client connects, provisions a pilot user and deactivates it; and the log
// retention form previews what it removes and saves.
import type { Page } from '@playwright/test';
import { BASE_URL, cli, expect, lastLine, login, randomSuffix, scim, settled, test } from './helpers';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const step = (page: Page, key: string) => page.getByTestId(`check-${key}`);

/** Waits (the checklist refreshes itself every 3 s) until the step shows `done`. */
async function expectStep(page: Page, key: string, done: boolean) {
  await expect(step(page, key)).toHaveAttribute('data-done', String(done), { timeout: 15_000 });
}

test('the onboarding checklist turns green as an Entra-like client provisions and deactivates a pilot', async ({ page }) => {
  const tenant = `Onboard-${randomSuffix()}`;
  const endpoint = `${BASE_URL}/realms/${tenant}/scim/v2`;
  await cli(['tenant', 'create', tenant, '--profile', 'azure']);
  const secret = lastLine(await cli(['secret', 'rotate', tenant]));

  await login(page, 'admin-alice');
  await page.goto(`/tenants/${tenant}/integrations/scim`);
  await settled(page);
  const checklist = page.getByRole('region', { name: 'Onboarding checklist' });
  await expect(checklist).toBeVisible();
  await expectStep(page, 'enabled', true);
  for (const key of ['mappers', 'first_request', 'pilot_user', 'deactivation', 'no_errors']) {
    await expectStep(page, key, false);
  }
  await expect(page.getByTestId('onboarding-summary')).toHaveText('1 of 6 steps done');
  await expect(step(page, 'mappers').getByRole('link', { name: 'Open' })).toHaveAttribute(
    'href', `/tenants/${tenant}/integrations/scim/mappers`);

  // Mappers: the CLI-free way is the Mappers page; here the panel's link leads there.
  await step(page, 'mappers').getByRole('link', { name: 'Open' }).click();
  await settled(page);
  await page.getByRole('button', { name: 'Apply Microsoft Entra ID defaults' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Created 7 mappers.' })).toBeVisible();
  await page.goto(`/tenants/${tenant}/integrations/scim`);
  await settled(page);
  await expectStep(page, 'mappers', true);

  // Entra's Test Connection: a lookup of a random userName. The page notices by itself.
  const lookup = await scim('GET', `${endpoint}/Users?filter=${encodeURIComponent('userName eq "7f3c2b1a-test"')}`, secret);
  expect(lookup.status).toBe(200);
  await expectStep(page, 'first_request', true);
  await expect(step(page, 'first_request')).toContainText('filter=');
  await expectStep(page, 'no_errors', true);

  // The pilot user.
  const created = await scim('POST', `${endpoint}/Users`, secret, {
    schemas: [CORE], userName: 'pilot@contoso.test', externalId: 'pilot', active: true,
    name: { givenName: 'Pia', familyName: 'Pilot' },
    emails: [{ value: 'pilot@contoso.test', type: 'work', primary: true }],
  });
  expect(created.status).toBe(201);
  await expectStep(page, 'pilot_user', true);
  await expect(step(page, 'pilot_user')).toContainText('pilot@contoso.test created');
  await expectStep(page, 'deactivation', false);

  // Unassigning it in Entra: a PATCH with the string boolean Entra sends.
  const patched = await scim('PATCH', `${endpoint}/Users/${created.body.id}`, secret, {
    schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
  });
  expect(patched.status).toBe(200);
  await expectStep(page, 'deactivation', true);
  await expect(page.getByTestId('onboarding-summary')).toHaveText('6 of 6 steps done');

  // Each done step links to its evidence: the log opened at that row.
  await step(page, 'deactivation').getByRole('link', { name: 'Evidence' }).click();
  await expect(page).toHaveURL(new RegExp(`/tenants/${tenant}/log\\?before=\\d+`));
  await expect(page.getByRole('table').getByRole('row').nth(1)).toContainText('deactivate');

  // A failed request of the identity provider turns the last step red again.
  const duplicate = await scim('POST', `${endpoint}/Users`, secret, { schemas: [CORE], userName: 'PILOT@contoso.test' });
  expect(duplicate.status).toBe(409);
  await page.goto(`/tenants/${tenant}/integrations/scim`);
  await settled(page);
  await expectStep(page, 'no_errors', false);
  await expect(step(page, 'no_errors')).toContainText('1 failed request(s)');
});

test('log retention previews what it removes, refuses bad values and saves', async ({ page }) => {
  const tenant = `Retain-${randomSuffix()}`;
  const endpoint = `${BASE_URL}/realms/${tenant}/scim/v2`;
  await cli(['tenant', 'create', tenant, '--profile', 'generic']);
  const secret = lastLine(await cli(['secret', 'rotate', tenant]));
  for (let i = 0; i < 3; i++) {
    expect((await scim('GET', `${endpoint}/Users`, secret)).status).toBe(200);
  }

  await login(page, 'admin-alice');
  await page.goto(`/tenants/${tenant}/settings`);
  await settled(page);
  const section = page.getByRole('region', { name: 'Provisioning log retention' });
  await expect(section).toContainText('Now keeping every row (no limit).');
  const preview = section.getByTestId('retention-preview');
  await expect(preview).toHaveText('This setting removes no rows now.');

  await section.getByRole('textbox', { name: 'Keep rows' }).fill('12');
  await expect(section.locator('#retention-rows-error')).toContainText('Keep from 1000');
  await section.getByRole('textbox', { name: 'Keep rows' }).fill('');
  await section.getByRole('textbox', { name: 'Keep days' }).fill('abc');
  await expect(section.locator('#retention-days-error')).toContainText('"abc" is not a whole number');
  await section.getByRole('textbox', { name: 'Keep days' }).fill('30');
  await expect(preview).toHaveText('This setting removes no rows now.');
  await expect(section.locator('#retention-days-error')).toBeEmpty();
  await section.getByRole('button', { name: 'Save retention' }).click();
  await expect(section.getByRole('status').filter({ hasText: 'Saved: the log keeps the last 30 days.' })).toBeVisible();

  // Saved, and in the audit trail.
  await page.reload();
  await settled(page);
  await expect(page.getByRole('region', { name: 'Provisioning log retention' })).toContainText('Now keeping the last 30 days.');
  await page.goto(`/tenants/${tenant}/audit`);
  await expect(page.getByText('Set the provisioning log retention to 30 days, no count limit')).toBeVisible();
});
