// Attribute mappers (Integrations → SCIM → Mappers) and the user detail page: an administrator
// checks a token claim as it is typed, applies the Microsoft Entra ID defaults, adds a mapper by
// configuration (a taken user attribute is refused beside its field), Entra provisions a user
// with the enterprise and a custom extension, and the user's page shows the internal attributes
// and the claims preview per token; switching a mapper off the ID token takes the claim out of
// that token only. A read-only administrator sees everything but changes nothing; the mappers
// are exported and imported into another tenant; the user is deactivated and deleted by hand.
import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import {
  BASE_URL, REPO_ROOT, bodyRows, cli, consoleErrors, expect, keepOffline, lastLine, login, randomSuffix, scim, settled, tableRows, test,
} from './helpers';

const SCREENSHOTS = path.join(REPO_ROOT, 'docs', 'screenshots');
const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CUSTOM = 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTRA_DEFAULTS = ['status', 'loginName', 'firstName', 'manager', 'lastName', 'tag', 'email'];

/** An internal attribute's value as the page shows it (JSON text), without a string's quotes. */
const unquote = (value: string) => value.replace(/^"(.*)"$/s, '$1');

/** The Mappers table. */
const mapperTable = (page: Page) => page.getByRole('table', { name: 'Mappers' });

/** The row of the mapper that fills `attribute` (the User attribute column). */
const mapperRow = (page: Page, attribute: string) =>
  bodyRows(mapperTable(page)).filter({ has: page.getByRole('cell', { name: attribute, exact: true }) });

/** Opens "Add mapper" → "By configuration" and returns the form. */
async function openNewMapperForm(page: Page): Promise<Locator> {
  await page.getByRole('button', { name: 'Add mapper', exact: true }).click();
  await page.getByRole('button', { name: 'By configuration' }).click();
  const form = page.getByRole('region', { name: 'Add mapper' });
  await expect(form.getByRole('combobox', { name: 'Mapper type' })).toContainText('User Attribute');
  await expect(form.getByRole('textbox', { name: 'Name', exact: true })).toBeFocused();
  return form;
}

/** The internal attributes on the open user page, by name (string values unquoted). */
async function internalAttributes(page: Page): Promise<Record<string, string>> {
  const rows = await tableRows(page.getByRole('table', { name: 'Internal attributes' }));
  return Object.fromEntries(rows.map((r) => [r.Attribute, unquote(r.Value)]));
}

test('mappers: claim checked as typed, Entra defaults, a custom mapper, the user page and its claims per token', async ({ page, browser }) => {
  const suffix = randomSuffix();
  const tenant = `Mappers-${suffix}`;
  const endpoint = `${BASE_URL}/realms/${tenant}/scim/v2`;
  await cli(['tenant', 'create', tenant, '--profile', 'azure']);
  const secret = lastLine(await cli(['secret', 'rotate', tenant]));

  // Integrations → SCIM → Mappers.
  await login(page, 'admin-alice');
  await page.goto(`/tenants/${tenant}`);
  await settled(page);
  await page.getByRole('link', { name: 'Integrations', exact: true }).click();
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}/integrations/scim`);
  await page.getByRole('navigation', { name: 'Integrations → SCIM' }).getByRole('link', { name: 'Mappers', exact: true }).click();
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}/integrations/scim/mappers`);
  await expect(page.getByRole('heading', { name: 'Mappers', exact: true })).toBeVisible();
  await expect(page.getByTestId('no-mappers')).toBeVisible();
  await settled(page);

  // The token claim is checked in the browser as it is typed: a bad one is explained and Save is off.
  let form = await openNewMapperForm(page);
  const claim = form.getByRole('textbox', { name: 'Token claim' });
  const claimError = form.locator('#mapper-claim-error');
  const save = form.getByRole('button', { name: 'Save', exact: true });
  await expect(claim).toHaveAccessibleDescription(/CustomExtensionName/);
  await claim.fill('name.nope');
  await expect(claimError).toHaveAttribute('role', 'alert');
  await expect(claimError).toContainText('has no sub-attribute "nope"');
  await expect(claim).toHaveAttribute('aria-invalid', 'true');
  await expect(save).toBeDisabled();
  await claim.fill('name.givenName');
  await expect(claimError).toBeEmpty();
  await expect(form.locator('#mapper-claim-entra')).toContainText('givenName');
  await expect(save).toBeEnabled();
  await form.getByRole('button', { name: 'Cancel' }).click();
  await expect(form).toHaveCount(0);

  // The Microsoft Entra ID defaults: the seven mappers of Entra's setup guide; a second run adds none.
  await page.getByRole('button', { name: 'Apply Microsoft Entra ID defaults' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Created 7 mappers.' })).toBeVisible();
  await expect(bodyRows(mapperTable(page))).toHaveCount(7);
  let rows = await tableRows(mapperTable(page));
  expect(rows.map((r) => r['User attribute']).sort()).toEqual([...ENTRA_DEFAULTS].sort());
  const byAttribute = (attr: string) => rows.find((r) => r['User attribute'] === attr)!;
  expect(byAttribute('firstName')).toMatchObject({ 'Token claim': 'name.givenName', 'Claim JSON type': 'String', 'Entra source': 'Entra: givenName' });
  expect(byAttribute('status')['Claim JSON type']).toBe('Boolean');
  expect(byAttribute('tag')['Token claim']).toBe(`${CUSTOM}:tag`);
  await page.getByRole('button', { name: 'Apply Microsoft Entra ID defaults' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Created 0 mappers' })).toBeVisible();
  await expect(bodyRows(mapperTable(page))).toHaveCount(7);

  // A mapper by configuration. A user attribute another mapper fills is refused beside its field,
  // and what was typed stays.
  form = await openNewMapperForm(page);
  await form.getByRole('textbox', { name: 'Name', exact: true }).fill('department');
  const userAttribute = form.getByRole('textbox', { name: 'User attribute' });
  await userAttribute.fill('firstName');
  await form.getByRole('textbox', { name: 'Token claim' }).fill(`${ENTERPRISE}:department`);
  await form.getByRole('combobox', { name: 'Claim JSON type' }).selectOption({ label: 'String' });
  await expect(form.getByRole('checkbox', { name: 'Multivalued' })).not.toBeChecked();
  for (const token of ['Add to ID token', 'Add to access token', 'Add to userinfo', 'Add to token introspection']) {
    await expect(form.getByRole('checkbox', { name: token })).toBeChecked();
  }
  await form.getByRole('button', { name: 'Save', exact: true }).click();
  const attributeError = form.locator('#mapper-user-attribute-error');
  await expect(attributeError).toContainText('already fills the user attribute');
  await expect(userAttribute).toBeFocused();
  await expect(userAttribute).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByRole('textbox', { name: 'Token claim' })).toHaveValue(`${ENTERPRISE}:department`);
  await expect(bodyRows(mapperTable(page))).toHaveCount(7);
  await userAttribute.fill('department');
  await expect(attributeError).toBeEmpty();
  await form.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved mapper "department".' })).toBeVisible();
  await expect(form).toHaveCount(0);
  await expect(bodyRows(mapperTable(page))).toHaveCount(8);
  await expect(mapperRow(page, 'department')).toContainText(`${ENTERPRISE}:department`);

  // Entra provisions a user with the enterprise and the custom extension, then patches the tag.
  const managerId = `mgr-${suffix}`;
  const created = await scim('POST', `${endpoint}/Users`, secret, {
    schemas: [CORE, ENTERPRISE, CUSTOM],
    externalId: `entra-pia-${suffix}`,
    userName: 'pilot@contoso.test',
    active: true,
    displayName: 'Pia Pilot',
    name: { givenName: 'Pia', familyName: 'Pilot' },
    emails: [{ value: 'pia@contoso.test', type: 'work', primary: true }],
    [ENTERPRISE]: { department: 'Sales', manager: { value: managerId } },
    [CUSTOM]: { tag: 'blue' },
  });
  expect(created.status, created.text).toBe(201);
  const userId: string = created.body.id;
  const patched = await scim('PATCH', `${endpoint}/Users/${userId}`, secret, {
    schemas: [PATCH_OP],
    Operations: [{ op: 'Replace', path: `${CUSTOM}:tag`, value: 'green' }],
  });
  expect(patched.status, patched.text).toBe(200);
  expect(patched.body[CUSTOM]?.tag).toBe('green');

  // The users list links to the user's page.
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}/users`);
  await page.getByRole('link', { name: 'pilot@contoso.test', exact: true }).click();
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}/users/${userId}`);
  const heading = page.getByRole('heading', { name: /pilot@contoso\.test/ });
  await expect(heading).toContainText('Active');

  // Internal attributes as the mappers derived them (reloaded until any re-derivation is done).
  const expected = {
    status: 'true',
    loginName: 'pilot@contoso.test',
    firstName: 'Pia',
    lastName: 'Pilot',
    manager: managerId,
    tag: 'green',
    email: 'pia@contoso.test',
    department: 'Sales',
  };
  await expect(async () => {
    await page.reload();
    expect(await internalAttributes(page)).toEqual(expected);
  }).toPass({ timeout: 20_000 });
  const internalRows = await tableRows(page.getByRole('table', { name: 'Internal attributes' }));
  expect(internalRows.find((r) => r.Attribute === 'firstName')?.From).toBe('name.givenName');

  // The claims preview per token, the SCIM resource, the history.
  const idToken = page.getByRole('region', { name: 'ID token', exact: true });
  const accessToken = page.getByRole('region', { name: 'Access token', exact: true });
  await expect(idToken).toContainText('"firstName": "Pia"');
  await expect(accessToken).toContainText('"firstName": "Pia"');
  await expect(page.getByRole('region', { name: 'Userinfo', exact: true })).toContainText('"department": "Sales"');
  await expect(page.getByRole('region', { name: 'Token introspection', exact: true })).toContainText('"tag": "green"');
  await expect(page.getByTestId('scim-resource')).toContainText('"userName": "pilot@contoso.test"');
  await expect(page.getByRole('button', { name: 'Copy SCIM resource' })).toBeVisible();
  const history = page.getByRole('table', { name: 'Provisioning history' });
  await expect(async () => {
    await page.reload();
    const methods = (await tableRows(history)).map((r) => r.Method.toUpperCase());
    expect(methods).toEqual(expect.arrayContaining(['POST', 'PATCH']));
  }).toPass({ timeout: 15_000 });

  // firstName off the ID token: edit the mapper, uncheck, save.
  await page.goto(`/tenants/${tenant}/integrations/scim/mappers`);
  await settled(page);
  await mapperRow(page, 'firstName').getByRole('button', { name: 'Edit mapper firstName' }).click();
  const edit = page.getByRole('region', { name: 'Edit mapper "firstName"' });
  await expect(edit.getByRole('textbox', { name: 'Token claim' })).toHaveValue('name.givenName');
  await expect(edit.getByRole('combobox', { name: 'Claim JSON type' })).toHaveValue('String');
  await edit.getByRole('checkbox', { name: 'Add to ID token' }).uncheck();
  await edit.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved mapper "firstName".' })).toBeVisible();
  await expect(edit).toHaveCount(0);
  // The table reloads after the save: wait for the new toggles.
  const firstNameToggles = async () => {
    const row = (await tableRows(mapperTable(page))).find((r) => r['User attribute'] === 'firstName');
    return [row?.['ID token'], row?.['Access token']].map((cell) => (cell ?? '').replace(/[^a-z]/g, ''));
  };
  await expect.poll(firstNameToggles).toEqual(['no', 'yes']);
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await settled(page);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'mappers.png'), fullPage: true });

  // The user's ID token no longer carries firstName; the access token still does.
  await page.goto(`/tenants/${tenant}/users/${userId}`);
  await expect(async () => {
    await page.reload();
    await expect(idToken).toContainText('"lastName": "Pilot"', { timeout: 1_000 });
    await expect(idToken).not.toContainText('firstName', { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(accessToken).toContainText('"firstName": "Pia"');
  await settled(page);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'user-detail.png'), fullPage: true });

  // A read-only administrator sees the mappers and the user, exports, and changes nothing.
  const viewer = `it-viewer-${suffix}`;
  await cli(['admin', 'grant', '--tenant', tenant, '--email', `${viewer}@example.test`, '--read-only']);
  const viewerContext = await browser.newContext({ baseURL: BASE_URL });
  await keepOffline(viewerContext);
  const viewerPage = await viewerContext.newPage();
  const viewerErrors = consoleErrors(viewerPage);
  await login(viewerPage, viewer);
  await viewerPage.goto(`/tenants/${tenant}/integrations/scim/mappers`);
  await settled(viewerPage);
  await expect(bodyRows(mapperTable(viewerPage))).toHaveCount(8);
  await expect(viewerPage.getByTestId('mappers-read-only')).toBeVisible();
  for (const name of ['Add mapper', 'Apply Microsoft Entra ID defaults', 'Import', 'Delete']) {
    await expect(viewerPage.getByRole('button', { name, exact: true })).toHaveCount(0);
  }
  await expect(viewerPage.getByRole('button', { name: /^Edit/ })).toHaveCount(0);
  await expect(viewerPage.getByRole('textbox', { name: 'Mappers JSON' })).toHaveCount(0);
  await viewerPage.getByRole('button', { name: 'Export mappers' }).click();
  const exportedBox = viewerPage.getByRole('textbox', { name: 'Exported mappers' });
  await expect(exportedBox).toHaveValue(/"userAttribute":\s*"department"/);
  const exported = await exportedBox.inputValue();
  expect(JSON.parse(exported)).toHaveLength(8);
  await expect(viewerPage.getByRole('link', { name: `Download ${tenant}-mappers.json` }))
    .toHaveAttribute('download', `${tenant}-mappers.json`);
  await viewerPage.goto(`/tenants/${tenant}/users/${userId}`);
  await settled(viewerPage);
  await expect(viewerPage.getByRole('heading', { name: /pilot@contoso\.test/ })).toBeVisible();
  await expect(viewerPage.getByRole('table', { name: 'Internal attributes' })).toContainText('Sales');
  await expect(viewerPage.getByRole('button', { name: 'Deactivate user' })).toHaveCount(0);
  await expect(viewerPage.getByRole('button', { name: 'Delete user' })).toHaveCount(0);
  expect(viewerErrors, 'console errors in the read-only administrator\'s session').toEqual([]);
  await viewerContext.close();

  // Import into another tenant: bad JSON is refused under the field, the export is taken whole.
  const copy = `MappersCopy-${suffix}`;
  await cli(['tenant', 'create', copy]);
  await page.goto(`/tenants/${copy}/integrations/scim/mappers`);
  await settled(page);
  await expect(page.getByRole('button', { name: 'Apply Microsoft Entra ID defaults' })).toHaveCount(0);
  const importBox = page.getByRole('textbox', { name: 'Mappers JSON' });
  await importBox.fill('this is not JSON');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.locator('#mappers-import-error')).not.toBeEmpty();
  await expect(importBox).toHaveValue('this is not JSON');
  await expect(page.getByTestId('no-mappers')).toBeVisible();
  await importBox.fill(exported);
  await page.getByRole('checkbox', { name: 'Replace existing mappers' }).check();
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Imported 8 mappers.' })).toBeVisible();
  await expect(bodyRows(mapperTable(page))).toHaveCount(8);
  // Deleting asks first, naming the mapper.
  await mapperRow(page, 'department').getByRole('button', { name: 'Delete', exact: true }).click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toContainText(`Delete mapper "department" of tenant "${copy}"?`);
  await dialog.getByRole('button', { name: 'Delete now' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Deleted mapper "department".' })).toBeVisible();
  await expect(bodyRows(mapperTable(page))).toHaveCount(7);

  // Deactivate, then delete the user by hand: each asks first, naming the user.
  await page.goto(`/tenants/${tenant}/users/${userId}`);
  await settled(page);
  await page.getByRole('button', { name: 'Deactivate user' }).click();
  await expect(page.getByRole('alertdialog')).toContainText(`Deactivate user "pilot@contoso.test" of tenant "${tenant}"?`);
  await page.getByRole('alertdialog').getByRole('button', { name: 'Deactivate now' }).click();
  await expect(heading).toContainText('Deactivated');
  await expect(page.getByRole('button', { name: 'Deactivate user' })).toHaveCount(0);
  const read = await scim('GET', `${endpoint}/Users/${userId}`, secret);
  expect(read.body.active).toBe(false);
  await page.getByRole('button', { name: 'Delete user' }).click();
  await expect(page.getByRole('alertdialog')).toContainText(`Delete user "pilot@contoso.test" of tenant "${tenant}"?`);
  await page.getByRole('alertdialog').getByRole('button', { name: 'Delete now' }).click();
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}/users`);
  await expect(page.getByRole('link', { name: 'pilot@contoso.test', exact: true })).toHaveCount(0);
  const gone = await scim('GET', `${endpoint}/Users/${userId}`, secret);
  expect(gone.status).toBe(404);
});

test('mappers: storing active into isSoftDeleted warns until inverted, and the inverted value is stored', async ({ page }) => {
  const suffix = randomSuffix();
  const tenant = `Invert-${suffix}`;
  const endpoint = `${BASE_URL}/realms/${tenant}/scim/v2`;
  await cli(['tenant', 'create', tenant, '--profile', 'azure']);
  const secret = lastLine(await cli(['secret', 'rotate', tenant]));
  await login(page, 'admin-alice');
  await page.goto(`/tenants/${tenant}/integrations/scim/mappers`);
  await settled(page);

  // The KZero guide's row: active → isSoftDeleted. Without Invert, a warning offers it.
  const form = await openNewMapperForm(page);
  await form.getByRole('textbox', { name: 'Name', exact: true }).fill('deleted');
  await form.getByRole('textbox', { name: 'User attribute' }).fill('isSoftDeleted');
  await form.getByRole('textbox', { name: 'Token claim' }).fill('active');
  const invert = form.getByRole('checkbox', { name: 'Invert' });
  await expect(invert).toBeDisabled();
  await form.getByRole('combobox', { name: 'Claim JSON type' }).selectOption({ label: 'Boolean' });
  await expect(invert).toBeEnabled();
  const warning = form.getByTestId('mapper-inversion-warning');
  await expect(warning).toContainText('"isSoftDeleted" says the opposite of active');
  await warning.getByRole('button', { name: 'Invert it' }).click();
  await expect(invert).toBeChecked();
  await expect(warning).toHaveCount(0);
  await form.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved mapper "deleted".' })).toBeVisible();
  await expect(mapperRow(page, 'isSoftDeleted')).toContainText('Boolean, inverted');

  // An active user from Entra is stored as not soft-deleted.
  const created = await scim('POST', `${endpoint}/Users`, secret, { schemas: [CORE], userName: `pia-${suffix}@kzero.test`, active: 'True' });
  expect(created.status, created.text).toBe(201);
  await page.goto(`/tenants/${tenant}/users/${created.body.id}`);
  await expect.poll(async () => (await internalAttributes(page)).isSoftDeleted, { timeout: 15_000 }).toBe('false');
});
