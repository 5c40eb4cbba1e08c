// The dashboard on every screen (issue 21): every page at a phone's, a tablet's, a laptop's and a
// desktop's width lays out within the viewport (nothing scrolls sideways), its main action is
// visible and takes a tap, and the name column of its table stays in view; on a phone the
// tenant's tabs fold into a menu that opens, navigates and closes again. The phone shot of the
// users page goes to docs/screenshots for the README.
import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { BASE_URL, REPO_ROOT, cli, expect, lastLine, login, randomSuffix, scim, settled, test } from './helpers';

const SCREENSHOTS = path.join(REPO_ROOT, 'docs', 'screenshots');
const WIDTHS = [390, 768, 1366, 1920];
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** A page of the dashboard and what must be usable on it at every width. */
type Visit = { name: string; path: string; main: (page: Page) => Locator; nameColumn?: (page: Page) => Locator };

/** How much wider than the viewport the document lays out (0 when nothing scrolls sideways). */
const overflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** The innermost elements that reach past the viewport's right edge, to name in a failure. */
const offenders = (page: Page) =>
  page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const scrolls = (el: Element) => {
      for (let up = el.parentElement; up; up = up.parentElement) {
        if (getComputedStyle(up).overflowX !== 'visible') return true;
      }
      return false;
    };
    const past = [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > width + 0.5);
    // Inside a box that scrolls sideways, an element sticks out only if positioned out of it.
    const outside = past.filter((el) => !scrolls(el));
    const wide = outside.length > 0 ? outside : past.filter((el) => getComputedStyle(el).position !== 'static');
    return wide
      .filter((el) => !wide.some((other) => other !== el && el.contains(other)))
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${[...el.classList].join('.')} "${(el.textContent ?? '').trim().slice(0, 40)}"`);
  });

/** Whether `locator` lies horizontally inside the viewport. */
async function inView(page: Page, locator: Locator) {
  const box = await locator.boundingBox();
  const width = page.viewportSize()!.width;
  return box !== null && box.x >= 0 && box.x + box.width <= width + 0.5;
}

test('every page fits 390, 768, 1366 and 1920 px, its main action takes a tap, the menu folds on phones', async ({ page }) => {
  test.setTimeout(240_000);
  const suffix = randomSuffix();
  const tenant = `Wide-${suffix}`;
  const endpoint = `${BASE_URL}/realms/${tenant}/scim/v2`;
  // Azure: the integration page then shows the long Tenant URL too.
  await cli(['tenant', 'create', tenant, '--profile', 'azure']);
  const secret = lastLine(await cli(['secret', 'rotate', tenant]));
  // Long names, as real directories have them.
  const user = await scim('POST', `${endpoint}/Users`, secret, {
    schemas: [USER],
    userName: `maximiliane.oberhausen-wittgenstein.${suffix}@verylongsubsidiary.contoso-international.example`,
    displayName: 'Maximiliane Oberhausen-Wittgenstein',
    externalId: `ext-${suffix}-0123456789abcdef`,
    active: true,
  });
  expect(user.status, user.text).toBe(201);
  const group = await scim('POST', `${endpoint}/Groups`, secret, {
    schemas: [GROUP],
    displayName: `Regional Operations and Facilities Management ${suffix}`,
    members: [{ value: user.body.id }],
  });
  expect(group.status, group.text).toBe(201);
  await scim('GET', `${endpoint}/Users?filter=userName eq "nobody@${suffix}.example"`, secret);

  const base = `/tenants/${tenant}`;
  const button = (name: string | RegExp) => (p: Page) => p.getByRole('button', { name, exact: typeof name === 'string' });
  const visits: Visit[] = [
    { name: 'tenants', path: '/', main: button('Create tenant'), nameColumn: (p) => p.locator('table.tenants tbody tr td').first() },
    { name: 'overview', path: base, main: (p) => p.getByTestId('scim-endpoint') },
    { name: 'users', path: `${base}/users`, main: button('Search'), nameColumn: (p) => p.getByRole('link', { name: /maximiliane/ }) },
    { name: 'user', path: `${base}/users/${user.body.id}`, main: button('Deactivate user') },
    { name: 'groups', path: `${base}/groups`, main: button('Search'), nameColumn: (p) => p.getByRole('link', { name: /Regional Operations/ }) },
    { name: 'group', path: `${base}/groups/${group.body.id}`, main: (p) => p.getByRole('link', { name: /maximiliane/i }).first() },
    { name: 'log', path: `${base}/log`, main: button('Apply filters') },
    { name: 'scim', path: `${base}/integrations/scim`, main: button('Update') },
    { name: 'mappers', path: `${base}/integrations/scim/mappers`, main: button('Add mapper') },
    { name: 'applications', path: `${base}/integrations/applications`, main: button('Connect application') },
    { name: 'admins', path: `${base}/admins`, main: button(/^Grant access to tenant/) },
    { name: 'tenant audit', path: `${base}/audit`, main: (p) => p.getByRole('link', { name: 'Export CSV' }) },
    { name: 'settings', path: `${base}/settings`, main: button('Rename') },
    { name: 'platform audit', path: '/audit', main: (p) => p.getByRole('link', { name: 'Export CSV' }) },
    { name: 'api tokens', path: '/api-tokens', main: button('Make the token') },
  ];

  // Signed out: the sign-in page.
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto('/login');
    await settled(page);
    expect(await overflow(page), `sign-in page at ${width} px`).toBeLessThanOrEqual(0);
    await page.getByRole('link', { name: 'Sign in with SSO' }).click({ trial: true });
  }

  // Signing in from a page asked for lands there.
  await login(page, 'admin-alice', `${base}/log?op=create`);
  await expect(page).toHaveURL(`${BASE_URL}${base}/log?op=create`);
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    for (const visit of visits) {
      const where = `${visit.name} at ${width} px`;
      await page.goto(visit.path);
      await settled(page);
      const main = visit.main(page);
      await expect(main, where).toBeVisible();
      // Laid out once what loads after hydration is in (a table replacing its placeholder).
      await expect.poll(() => overflow(page), { timeout: 5_000 }).toBeLessThanOrEqual(0).catch(() => {});
      expect.soft(await overflow(page), `${where}: the page scrolls sideways (${await offenders(page)})`).toBeLessThanOrEqual(0);
      expect.soft(await inView(page, main), `${where}: main action out of view`).toBe(true);
      // A trial click checks what a tap needs: visible, enabled, steady, and not covered.
      if (await main.evaluate((el) => el.tagName !== 'CODE')) await main.click({ trial: true });
      if (visit.nameColumn) {
        await expect(visit.nameColumn(page), where).toBeVisible();
        expect.soft(await inView(page, visit.nameColumn(page)), `${where}: the row's name out of view`).toBe(true);
      }
    }
    if (width === 390) {
      await page.goto(`${base}/users`);
      await settled(page);
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'users-phone.png'), fullPage: true });
    }
  }

  // On a phone the tabs fold into a menu: it opens, takes the administrator there, and closes.
  await page.setViewportSize({ width: 390, height: 900 });
  await page.goto(base);
  await settled(page);
  await expect(page.getByRole('navigation', { name: 'Tenant', exact: true })).toBeHidden();
  const menu = page.locator('details.nav-menu');
  await menu.getByText('Menu', { exact: true }).click();
  await menu.getByRole('link', { name: 'Provisioning log' }).click();
  await expect(page).toHaveURL(`${BASE_URL}${base}/log`);
  await expect(menu).not.toHaveAttribute('open');
  await expect(page.getByRole('button', { name: 'Apply filters' })).toBeVisible();
  // At a laptop's width the tabs are back and the menu is gone.
  await page.setViewportSize({ width: 1366, height: 900 });
  await expect(page.getByRole('navigation', { name: 'Tenant', exact: true })).toBeVisible();
  await expect(menu).toBeHidden();
});
