// Issue 22: Settings → Alerts. An administrator sets an error-rate alert with a webhook (a real
// local receiver that checks the Standard Webhooks signature): a field that is not a number is
// refused next to it, the signing secret is shown once, and the URL is never shown again but for
// its origin. Failing SCIM requests open the alert — one signed message, the overview and the
// tenants page show it — and successful ones resolve it with a second message.
import path from 'node:path';
import { BASE_URL, REPO_ROOT, cli, expect, lastLine, login, randomSuffix, scim, settled, test, webhookReceiver } from './helpers';

const SCREENSHOTS = path.join(REPO_ROOT, 'docs', 'screenshots');

test('an error-rate alert is set, opens with one signed message and resolves with another', async ({ page }) => {
  const tenant = `Alerts-${randomSuffix()}`;
  const endpoint = `${BASE_URL}/realms/${tenant}/scim/v2`;
  await cli(['tenant', 'create', tenant]);
  const token = lastLine(await cli(['secret', 'rotate', tenant]));
  let signingSecret: string | undefined;
  const hooks = await webhookReceiver(() => signingSecret, '/services/T0/B0/secret-token-path');
  const seen = () => hooks.messages.map((m) => ({ type: m.body.type, rule: m.body.alert?.rule, text: m.body.text, signed: m.signed }));

  try {
    await login(page, 'admin-alice', `/tenants/${tenant}/settings`);
    await settled(page);
    const alerts = page.getByRole('region', { name: 'Alerts' });
    await expect(alerts.getByTestId('alerts-none')).toBeVisible();

    // A number that is not one is refused beside its field; nothing is saved.
    await alerts.getByRole('textbox', { name: 'Error rate (%)' }).fill('half');
    await alerts.getByRole('button', { name: 'Save alerts' }).click();
    await expect(alerts.getByRole('textbox', { name: 'Error rate (%)' })).toHaveAttribute('aria-invalid', 'true');
    await expect(alerts.getByText('"half" is not a whole number.')).toBeVisible();

    // Saved with a webhook: the signing secret once, the URL never again (only its origin).
    await alerts.getByRole('textbox', { name: 'Error rate (%)' }).fill('50');
    await alerts.getByRole('textbox', { name: 'At least (requests)' }).fill('3');
    await alerts.getByRole('textbox', { name: 'Webhook URL' }).fill(hooks.url);
    await alerts.getByRole('button', { name: 'Save alerts' }).click();
    await expect(alerts.getByText('Alerts saved.')).toBeVisible();
    signingSecret = (await page.getByTestId('alert-webhook-secret').innerText()).trim();
    expect(signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    await page.reload();
    await settled(page);
    await expect(alerts.getByText(`Now sending to ${new URL(hooks.url).origin}/…`)).toBeVisible();
    await expect(page.getByText('secret-token-path')).toHaveCount(0);
    await expect(page.getByTestId('alert-webhook-secret')).toHaveCount(0);

    // Three failed requests of three: the alert opens, one signed message.
    for (let i = 0; i < 3; i++) {
      const bad = await scim('GET', `${endpoint}/Users?filter=${encodeURIComponent('userName eq')}`, token);
      expect(bad.status, bad.text).toBe(400);
    }
    await expect.poll(() => hooks.messages.length, { timeout: 15_000 }).toBe(1);
    expect(seen()[0]).toMatchObject({ type: 'alert.opened', rule: 'error_rate', signed: true });
    expect(seen()[0].text).toContain(`SCIM error rate in tenant ${tenant}`);

    await page.goto(`/tenants/${tenant}`);
    await settled(page);
    await expect(page.getByTestId('open-alerts')).toContainText(
      'Open alerts (Settings → Alerts): SCIM error rate — 3 of 3 SCIM requests (100 %) failed');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'alerts-overview.png'), fullPage: true });
    await page.goto('/');
    await settled(page);
    await expect(page.locator(`tr[data-tenant="${tenant}"] .badge`)).toHaveText('1 open alert(s)');

    // Successful requests bring the share under 50 %: resolved, a second message, none more.
    for (let i = 0; i < 4; i++) {
      const ok = await scim('GET', `${endpoint}/Users?count=1`, token);
      expect(ok.status, ok.text).toBe(200);
    }
    await expect.poll(() => hooks.messages.length, { timeout: 15_000 }).toBe(2);
    expect(seen()[1]).toMatchObject({ type: 'alert.resolved', rule: 'error_rate', signed: true });
    await page.goto(`/tenants/${tenant}/settings`);
    await settled(page);
    const table = alerts.getByTestId('alerts-table');
    await expect(table).toContainText('SCIM error rate');
    await expect(table).toContainText('Resolved');
    await alerts.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'alerts.png'), fullPage: true });
    await page.goto(`/tenants/${tenant}`);
    await settled(page);
    await expect(page.getByTestId('open-alerts')).toHaveCount(0);
    expect(hooks.messages).toHaveLength(2);
  } finally {
    await hooks.close();
  }
});
