// Issue 20: Integrations → Applications. An administrator connects a webhook (its signing secret
// shown once), tests it against a real local receiver that checks the signature, watches a SCIM
// change arrive (the application turns Healthy), connects a SCIM application whose URL nothing
// listens on (the exact error is shown, the change waits, the failures are counted), edits and
// previews its outbound mapping, finds the requests sent in the provisioning log, pauses it and
// removes it.
import path from 'node:path';
import { BASE_URL, REPO_ROOT, cli, expect, lastLine, login, randomSuffix, scim, settled, test, webhookReceiver } from './helpers';

const SCREENSHOTS = path.join(REPO_ROOT, 'docs', 'screenshots');
const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';


test('applications are connected, tested, watched, paused and removed from the dashboard', async ({ page }) => {
  const tenant = `Apps-${randomSuffix()}`;
  const endpoint = `${BASE_URL}/realms/${tenant}/scim/v2`;
  await cli(['tenant', 'create', tenant]);
  const token = lastLine(await cli(['secret', 'rotate', tenant]));
  let signingSecret: string | undefined;
  const hooks = await webhookReceiver(() => signingSecret);
  const seen = () => hooks.messages.map((m) => ({ type: m.body.type, signed: m.signed }));

  try {
    await login(page, 'admin-alice', `/tenants/${tenant}`);
    await settled(page);
    await expect(page.getByText('Provisions no application onward yet')).toBeVisible();
    await page.getByRole('navigation', { name: 'Tenant' }).getByRole('link', { name: 'Integrations' }).click();
    await expect(page).toHaveURL(`${BASE_URL}/tenants/${tenant}/integrations/scim`);
    await page.getByRole('navigation', { name: 'Integrations' }).getByRole('link', { name: 'Applications' }).click();
    await expect(page.getByRole('heading', { name: 'Integrations → Applications' })).toBeVisible();
    await expect(page.getByTestId('no-applications')).toBeVisible();
    await settled(page);

    // A webhook: the signing secret appears once.
    await page.getByRole('combobox', { name: 'Kind' }).selectOption({ label: 'Webhook' });
    await page.getByRole('textbox', { name: 'Name' }).fill('Audit hooks');
    await page.getByRole('textbox', { name: 'URL', exact: true }).fill(hooks.url);
    await page.getByRole('button', { name: 'Connect application' }).click();
    await expect(page.getByText('Connected Audit hooks.')).toBeVisible();
    signingSecret = (await page.getByTestId('webhook-secret').innerText()).trim();
    expect(signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const hook = page.getByRole('region', { name: 'Application Audit hooks' });
    await expect(hook.getByTestId('application-health')).toHaveText('No delivery yet');

    await hook.getByRole('button', { name: 'Test connection' }).click();
    await expect(page.getByTestId('application-report')).toContainText('Audit hooks: Connection test passed');
    expect(seen()).toEqual([{ type: 'ping', signed: true }]);

    // A SCIM change goes out signed; the application turns healthy.
    const created = await scim('POST', `${endpoint}/Users`, token, { schemas: [CORE], userName: `ann@${tenant}.example` });
    expect(created.status, created.text).toBe(201);
    await expect.poll(() => hooks.messages.length).toBe(2);
    expect(seen()[1]).toEqual({ type: 'user.created', signed: true });
    await expect(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await expect(hook.getByTestId('application-health')).toHaveText('Healthy', { timeout: 1_000 });
    }).toPass();
    await expect(hook.getByTestId('application-backlog')).toHaveText('Nothing waiting');

    // A SCIM application nobody answers for: the exact error, and the change waits.
    await page.getByRole('combobox', { name: 'Kind' }).selectOption({ label: 'SCIM 2.0 application' });
    await page.getByRole('textbox', { name: 'Name' }).fill('Unreachable CRM');
    await page.getByRole('textbox', { name: 'URL', exact: true }).fill('ftp://crm.example/scim');
    await page.getByLabel('Secret Token, password or client secret').fill('crm-token-never-shown');
    await page.getByRole('button', { name: 'Connect application' }).click();
    await expect(page.getByText('is not an absolute http:// or https:// URL')).toBeVisible();
    await page.getByRole('textbox', { name: 'URL', exact: true }).fill('http://127.0.0.1:9/scim/v2');
    await page.getByRole('button', { name: 'Connect application' }).click();
    await expect(page.getByText('Connected Unreachable CRM.')).toBeVisible();
    await expect(page.getByText('crm-token-never-shown')).toHaveCount(0);
    const crm = page.getByRole('region', { name: 'Application Unreachable CRM' });
    await crm.getByRole('button', { name: 'Test connection' }).click();
    await expect(page.getByTestId('application-report')).toContainText('Unreachable CRM: Connection test failed');
    await expect(page.getByTestId('application-report')).toContainText('Connection refused');
    await crm.getByRole('button', { name: 'Sync now' }).click();
    await expect(page.getByTestId('application-report')).toContainText('Queued 1 users and groups.');
    await expect(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await expect(crm.getByTestId('application-error')).toContainText('Connection refused', { timeout: 1_000 });
    }).toPass();
    await expect(crm.getByTestId('application-backlog')).toContainText('1 waiting');
    await expect(crm.getByTestId('application-failures')).toContainText(/[1-9]\d* requests?/);

    // The outbound mapping: a preview of one user under the rules as typed; a mapping without
    // userName is refused; a good one is saved and everything in scope queued again.
    await crm.getByText('Outbound mapping').click();
    const rules = crm.getByLabel('Rules: target = source, one a line');
    await expect(rules).toHaveValue(/^userName = scim:userName\n/);
    await rules.fill('userName = userName\nnickName = userName\nexternalId = id');
    await crm.getByLabel('Preview for a user').fill(`ann@${tenant}.example`);
    await crm.getByRole('button', { name: 'Preview', exact: true }).click();
    await expect(crm.getByTestId('mapping-preview')).toContainText(`"nickName": "ann@${tenant}.example"`);
    await rules.fill('title = title');
    await crm.getByRole('button', { name: 'Save mapping' }).click();
    await expect(crm.getByRole('alert')).toContainText('no rule fills userName');
    await rules.fill('userName = userName\nnickName = userName\nexternalId = id');
    await crm.getByRole('button', { name: 'Save mapping' }).click();
    await expect(crm.getByText('Saved; 1 users and groups queued to push again.')).toBeVisible();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'applications.png'), fullPage: true });

    // The requests sent are in the provisioning log, apart from those received.
    await page.goto(`${BASE_URL}/tenants/${tenant}/log?dir=out`);
    await settled(page);
    await expect(page.getByText(/→ Unreachable CRM: Failed: .*Connection refused/).first()).toBeVisible();
    await expect(page.getByText(`→ Audit hooks: Sent an event about ann@${tenant}.example`)).toBeVisible();
    await expect(page.getByText(`Created ann@${tenant}.example`, { exact: true })).toHaveCount(0);
    await page.goBack();
    await settled(page);

    await crm.getByRole('button', { name: 'Pause' }).click();
    await expect(crm.getByTestId('application-health')).toHaveText('Paused');
    await crm.getByRole('button', { name: 'Remove Unreachable CRM' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Remove now' }).click();
    await expect(crm).toHaveCount(0);
    await expect(page.getByRole('region', { name: 'Application Audit hooks' })).toBeVisible();

    // The overview shows each application's health.
    await page.getByRole('navigation', { name: 'Tenant' }).getByRole('link', { name: 'Overview' }).click();
    const health = page.getByRole('table', { name: 'Applications' });
    await expect(health.getByRole('row', { name: /Audit hooks/ })).toContainText('healthy');
  } finally {
    await hooks.close();
  }
});
