// Issue 22: Settings → Alerts. An administrator sets an error-rate alert with a webhook (a real
// local receiver that checks the Standard Webhooks signature): a field that is not a number is
// refused next to it, the signing secret is shown once, and the URL is never shown again but for
// its origin. Failing SCIM requests open the alert — one signed message, the overview and the
// tenants page show it — and successful ones resolve it with a second message.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { BASE_URL, REPO_ROOT, cli, expect, lastLine, login, randomSuffix, scim, settled, test } from './helpers';

const SCREENSHOTS = path.join(REPO_ROOT, 'docs', 'screenshots');

type Message = { type: string; rule: string; text: string; signed: boolean };

/** A webhook receiver on a free local port that checks Standard Webhooks signatures. */
async function receiver(secret: () => string | undefined) {
  const messages: Message[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const key = Buffer.from((secret() ?? '').replace(/^whsec_/, ''), 'base64');
      const signed = `${req.headers['webhook-id']}.${req.headers['webhook-timestamp']}.${body}`;
      const expected = `v1,${crypto.createHmac('sha256', key).update(signed).digest('base64')}`;
      const ok = String(req.headers['webhook-signature'] ?? '').split(' ').includes(expected);
      const json = JSON.parse(body);
      messages.push({ type: json.type, rule: json.alert?.rule, text: json.text, signed: ok });
      res.writeHead(ok ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0/B0/secret-token-path`;
  return { url, messages, close: () => new Promise((r) => server.close(r)) };
}

test('an error-rate alert is set, opens with one signed message and resolves with another', async ({ page }) => {
  const tenant = `Alerts-${randomSuffix()}`;
  const endpoint = `${BASE_URL}/realms/${tenant}/scim/v2`;
  await cli(['tenant', 'create', tenant]);
  const token = lastLine(await cli(['secret', 'rotate', tenant]));
  let signingSecret: string | undefined;
  const hooks = await receiver(() => signingSecret);

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
    expect(hooks.messages[0]).toMatchObject({ type: 'alert.opened', rule: 'error_rate', signed: true });
    expect(hooks.messages[0].text).toContain(`SCIM error rate in tenant ${tenant}`);

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
    expect(hooks.messages[1]).toMatchObject({ type: 'alert.resolved', rule: 'error_rate', signed: true });
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
