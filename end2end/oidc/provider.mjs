// A real OpenID Provider for scimhub's end-to-end tests, built on npm `oidc-provider`.
// Any login name and any password are accepted on its development login page; logins that start
// with `admin` carry `groups: ["scimhub-admins"]`, everyone else an empty `groups`.
// Usage: OIDC_PORT=4011 OIDC_REDIRECT_URIS=http://127.0.0.1:3100/auth/callback node oidc/provider.mjs
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT || 4011);
const issuer = `http://127.0.0.1:${port}`;
const redirectUris = (process.env.OIDC_REDIRECT_URIS || 'http://127.0.0.1:3100/auth/callback')
  .split(',').map((uri) => uri.trim()).filter(Boolean);

// A fresh RS256 signing key per run: tokens only need to verify while this process lives.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'e2e-1' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'scimhub-e2e',
    client_secret: 'scimhub-e2e-secret',
    redirect_uris: redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    // The Rust `openidconnect` crate defaults to HTTP Basic; oidc-provider also accepts
    // client_secret_post for a client registered with either secret method.
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  pkce: { required: () => true }, // S256 is the only method oidc-provider 9 supports
  conformIdTokenClaims: false, // put the scope's claims into the ID token itself
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub', 'groups'], // `groups` rides along with plain `openid`
    groups: ['groups'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  features: { devInteractions: { enabled: true } },
  // Cookies are per host, not per port: keep these names away from scimhub's own cookie.
  cookies: {
    keys: [randomBytes(32).toString('hex')],
    names: { session: 'op_session', interaction: 'op_interaction', resume: 'op_interaction_resume' },
  },
  async findAccount(_ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          email: sub.includes('@') ? sub : `${sub}@example.test`,
          email_verified: true,
          name: sub,
          groups: sub.startsWith('admin') ? ['scimhub-admins'] : [],
        };
      },
    };
  },
});

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc provider listening on ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections?.();
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
