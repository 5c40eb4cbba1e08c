// The users and groups pages: an identity provider provisions 55 users and two groups over SCIM;
// the administrator pages through the users, sorts them by clicking column headers, searches
// by plain text and by SCIM filter (a bad filter is explained beside the search box), narrows by
// status, walks back with the browser's history, then opens a group and pages its members.
import type { Locator, Page } from '@playwright/test';
import { BASE_URL, bodyRows, cli, expect, lastLine, login, randomSuffix, scim, settled, tableRows, test } from './helpers';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** The first column of a table's body rows. */
const firstColumn = async (table: Locator) => (await tableRows(table)).map((r) => Object.values(r)[0]);

/** Types `text` in the users' search box, with or without the SCIM filter switch, and searches. */
async function searchUsers(page: Page, text: string, scimFilter: boolean) {
  await page.getByRole('searchbox', { name: 'Search users' }).fill(text);
  await page.getByRole('checkbox', { name: 'SCIM filter' }).setChecked(scimFilter);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
}

// An administrator far from UTC: times on hover are in their zone.
test.use({ timezoneId: 'Asia/Kolkata' });

test('users and groups: pages, sorting, plain and SCIM-filter search, status, a group and its members', async ({ page }) => {
  const tenant = `Dir-${randomSuffix()}`;
  const endpoint = `${BASE_URL}/realms/${tenant}/scim/v2`;
  await cli(['tenant', 'create', tenant]);
  const secret = lastLine(await cli(['secret', 'rotate', tenant]));

  // The identity provider provisions 54 numbered users and Ann, then deactivates user-07.
  const ids: Record<string, string> = {};
  const create = async (userName: string, body: Record<string, unknown>) => {
    const created = await scim('POST', `${endpoint}/Users`, secret, { schemas: [USER], userName, active: true, ...body });
    expect(created.status, created.text).toBe(201);
    ids[userName] = created.body.id;
  };
  for (let i = 0; i < 54; i++) {
    const n = String(i).padStart(2, '0');
    await create(`user-${n}@dir.test`, {
      displayName: `Person ${n}`,
      externalId: `ext-${n}`,
      name: { givenName: n, familyName: 'Person' },
      emails: [{ value: `user-${n}@mail.dir.test`, type: 'work', primary: true }],
    });
  }
  await create('ann.lee@dir.test', {
    displayName: 'Ann Lee',
    externalId: 'EXT-ANN',
    name: { givenName: 'Ann', familyName: 'Lee' },
    emails: [{ value: 'ann@lee.example', type: 'work', primary: true }],
  });
  const deactivated = await scim('PATCH', `${endpoint}/Users/${ids['user-07@dir.test']}`, secret, {
    schemas: [PATCH_OP],
    Operations: [{ op: 'replace', path: 'active', value: false }],
  });
  expect(deactivated.status, deactivated.text).toBe(200);

  // Two groups: Platform (Ann) inside Engineering (everyone): 56 members.
  const platform = await scim('POST', `${endpoint}/Groups`, secret, {
    schemas: [GROUP], displayName: 'Platform', externalId: 'grp-platform', members: [{ value: ids['ann.lee@dir.test'] }],
  });
  expect(platform.status, platform.text).toBe(201);
  const members = [...Object.values(ids), platform.body.id].map((value) => ({ value }));
  const engineering = await scim('POST', `${endpoint}/Groups`, secret, {
    schemas: [GROUP], displayName: 'Engineering', externalId: 'grp-eng', members,
  });
  expect(engineering.status, engineering.text).toBe(201);

  // The Users tab: 55 users, 50 on the first page, by userName.
  await login(page, 'admin-alice');
  await page.goto(`/tenants/${tenant}`);
  await settled(page);
  const tabs = page.getByRole('navigation', { name: 'Tenant' });
  await tabs.getByRole('link', { name: 'Users', exact: true }).click();
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}/users`);
  const users = page.getByRole('table', { name: 'Users' });
  await expect(page.getByTestId('user-count')).toHaveText('55 users');
  await expect(bodyRows(users)).toHaveCount(50);
  await expect(users.getByRole('columnheader', { name: 'User name' })).toHaveAttribute('aria-sort', 'ascending');
  const first = (await tableRows(users))[0];
  expect(first).toMatchObject({
    'User name': 'ann.lee@dir.test', 'Display name': 'Ann Lee', 'External ID': 'EXT-ANN', Status: 'Active',
  });
  expect(first.Source).toMatch(/^Bearer secret [0-9a-f]{8}$/);
  expect(first['Last provisioned']).toMatch(/^(just now|\d+ min ago)$/);
  await settled(page);
  // Hovering a time shows it exactly, in the administrator's zone; the attribute keeps UTC.
  const provisioned = bodyRows(users).first().locator('time').first();
  await expect(provisioned).toHaveAttribute('datetime', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  await expect(provisioned).toHaveAttribute('title', /20\d\d.*\d:\d\d:\d\d.*(GMT\+5:30|IST)/);

  // Next, Previous, and the browser's history through them.
  const pager = page.getByRole('navigation', { name: 'Pages of users' });
  await pager.getByRole('link', { name: 'Next' }).click();
  await expect(page).toHaveURL(/\?after=/);
  await expect(bodyRows(users)).toHaveCount(5);
  expect(await firstColumn(users)).toEqual(['user-49@dir.test', 'user-50@dir.test', 'user-51@dir.test', 'user-52@dir.test', 'user-53@dir.test']);
  await expect(pager.getByRole('link', { name: 'Next' })).toHaveCount(0);
  await pager.getByRole('link', { name: 'Previous' }).click();
  await expect(page).toHaveURL(/\?before=/);
  await expect(bodyRows(users)).toHaveCount(50);
  await expect(bodyRows(users).first()).toContainText('ann.lee@dir.test');
  await page.goBack();
  await expect(bodyRows(users)).toHaveCount(5);
  await page.goBack();
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}/users`);
  await expect(bodyRows(users)).toHaveCount(50);

  // Sorting by the column headers: the same column again turns the order round.
  await users.getByRole('link', { name: 'User name' }).click();
  await expect(users.getByRole('columnheader', { name: 'User name' })).toHaveAttribute('aria-sort', 'descending');
  await expect(bodyRows(users).first()).toContainText('user-53@dir.test');
  await users.getByRole('link', { name: 'Display name' }).click();
  await expect(users.getByRole('columnheader', { name: 'Display name' })).toHaveAttribute('aria-sort', 'ascending');
  await expect(users.getByRole('columnheader', { name: 'User name' })).not.toHaveAttribute('aria-sort', /.+/);
  await expect(bodyRows(users).first()).toContainText('Ann Lee');
  await users.getByRole('link', { name: 'Last provisioned' }).click();
  await expect(page).toHaveURL(/sort=lastProvisioned&order=desc/);
  await expect(users.getByRole('columnheader', { name: 'Last provisioned' })).toHaveAttribute('aria-sort', 'descending');
  await expect(bodyRows(users).first()).toContainText('user-07@dir.test');

  // Plain text finds a part of an email in any case, and keeps the order.
  await searchUsers(page, 'LEE.EXAMPLE', false);
  await expect(page).toHaveURL(/q=LEE\.EXAMPLE.*sort=lastProvisioned/);
  await expect(page.getByTestId('user-count')).toHaveText('1 user matches');
  expect(await firstColumn(users)).toEqual(['ann.lee@dir.test']);

  // A SCIM filter.
  await searchUsers(page, 'name.familyName eq "Lee" or userName sw "user-5"', true);
  await expect(page.getByTestId('user-count')).toHaveText('5 users match');
  expect((await firstColumn(users)).sort()).toEqual([
    'ann.lee@dir.test', 'user-50@dir.test', 'user-51@dir.test', 'user-52@dir.test', 'user-53@dir.test',
  ]);

  // A bad filter is explained beside the search box, and nothing is listed.
  await searchUsers(page, 'userName eq', true);
  const refusal = page.locator('#user-search-error');
  await expect(refusal).toHaveAttribute('role', 'alert');
  await expect(refusal).toContainText('The SCIM filter cannot be used');
  await expect(refusal).toContainText('missing value');
  await expect(page.getByRole('searchbox', { name: 'Search users' })).toHaveAttribute('aria-describedby', /user-search-error/);
  await expect(users).toHaveCount(0);
  await expect(page.getByTestId('user-count')).toHaveCount(0);

  // The status choice, from the whole list.
  await tabs.getByRole('link', { name: 'Users', exact: true }).click();
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}/users`);
  await expect(page.getByRole('searchbox', { name: 'Search users' })).toHaveValue('');
  const status = page.getByRole('navigation', { name: 'Status' });
  await status.getByRole('link', { name: 'Deactivated' }).click();
  await expect(status.getByRole('link', { name: 'Deactivated' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId('user-count')).toHaveText('1 user matches');
  expect(await tableRows(users)).toEqual([expect.objectContaining({ 'User name': 'user-07@dir.test', Status: 'Deactivated' })]);
  await status.getByRole('link', { name: 'Active' }).click();
  await expect(page.getByTestId('user-count')).toHaveText('54 users match');

  // The Groups tab: member counts, a plain-text and a SCIM-filter search.
  await tabs.getByRole('link', { name: 'Groups', exact: true }).click();
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}/groups`);
  await expect(page.getByRole('heading', { name: 'Groups', exact: true })).toBeVisible();
  const groups = page.getByRole('table', { name: 'Groups' });
  await expect(page.getByTestId('group-count')).toHaveText('2 groups');
  expect(await tableRows(groups)).toEqual([
    expect.objectContaining({ 'Display name': 'Engineering', 'External ID': 'grp-eng', Members: '56' }),
    expect.objectContaining({ 'Display name': 'Platform', 'External ID': 'grp-platform', Members: '1' }),
  ]);
  await page.getByRole('searchbox', { name: 'Search groups' }).fill('PLAT');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByTestId('group-count')).toHaveText('1 group matches');
  expect(await firstColumn(groups)).toEqual(['Platform']);
  await page.getByRole('searchbox', { name: 'Search groups' }).fill('displayName eq "engineering"');
  await page.getByRole('checkbox', { name: 'SCIM filter' }).check();
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  // The count reads "1 group matches" before and after this search: wait for the row itself.
  await expect.poll(() => firstColumn(groups)).toEqual(['Engineering']);

  // The group's page: facts, members in pages of 50, its SCIM resource and its history.
  await groups.getByRole('link', { name: 'Engineering' }).click();
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}/groups/${engineering.body.id}`);
  await expect(page.getByRole('heading', { name: 'Engineering', exact: true })).toBeVisible();
  await expect(page.getByTestId('member-count')).toHaveText('56');
  const memberTable = page.getByRole('table', { name: 'Members' });
  await expect(bodyRows(memberTable)).toHaveCount(50);
  await expect(page.getByTestId('scim-resource')).toContainText('"displayName": "Engineering"');
  await expect(page.getByRole('button', { name: 'Copy SCIM resource' })).toBeVisible();
  const history = await tableRows(page.getByRole('table', { name: 'Provisioning history' }));
  expect(history.map((r) => [r.Operation, r.Method])).toEqual([['create', 'POST']]);
  await settled(page);
  const memberPages = page.getByRole('navigation', { name: 'Pages of members' });
  const firstPage = await tableRows(memberTable);
  await memberPages.getByRole('link', { name: 'Next' }).click();
  await expect(page).toHaveURL(/\?after=/);
  await expect(bodyRows(memberTable)).toHaveCount(6);
  const secondPage = await tableRows(memberTable);
  await expect(memberPages.getByRole('link', { name: 'Next' })).toHaveCount(0);
  const everyone = [...firstPage, ...secondPage];
  expect(new Set(everyone.map((r) => r.Name)).size).toBe(56);
  expect(everyone.find((r) => r.Name === 'Platform')).toEqual({ Name: 'Platform', Type: 'Group', 'User name': '', Status: '' });
  expect(everyone.find((r) => r.Name === 'Ann Lee')).toEqual({ Name: 'Ann Lee', Type: 'User', 'User name': 'ann.lee@dir.test', Status: 'Active' });
  expect(everyone.find((r) => r.Name === 'Person 07')).toMatchObject({ 'User name': 'user-07@dir.test', Status: 'Deactivated' });
  await memberPages.getByRole('link', { name: 'Previous' }).click();
  await expect(page).toHaveURL(/\?before=/);
  // The URL changes before the table does: wait for the first page's rows to come back.
  await expect.poll(() => tableRows(memberTable)).toEqual(firstPage);

  // Members link to their pages, and a user's page links back to its groups.
  if (!firstPage.some((r) => r.Name === 'Platform')) await memberPages.getByRole('link', { name: 'Next' }).click();
  await memberTable.getByRole('link', { name: 'Platform', exact: true }).click();
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}/groups/${platform.body.id}`);
  await expect(page.getByRole('heading', { name: 'Platform', exact: true })).toBeVisible();
  await expect(page.getByTestId('no-members')).toHaveCount(0);
  await memberTable.getByRole('link', { name: 'Ann Lee', exact: true }).click();
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}/users/${ids['ann.lee@dir.test']}`);
  const userGroups = page.getByRole('region', { name: 'Groups' });
  await expect(userGroups.getByRole('link')).toHaveText(['Engineering', 'Platform']);
  await userGroups.getByRole('link', { name: 'Engineering', exact: true }).click();
  await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}/groups/${engineering.body.id}`);
  await expect(page.getByTestId('member-count')).toHaveText('56');
});
