// A real OpenID Connect provider (node-oidc-provider) for Beacon's sign-in tests.
// tests/support/oidc.py starts it; configuration comes from the environment:
//   PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URIS (Beacon's callbacks, space-separated: the
//   operators' sign-in and the viewers' of a private page), and ACCOUNTS, a JSON object from the login name
//   typed into the provider's sign-in form to the account's claims ({"email": ..., "email_verified": ...}).
// Sign-in and consent are the library's own development pages (devInteractions): any password
// is accepted for a known login name, and "Cancel" answers the client with error=access_denied.
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const accounts = JSON.parse(process.env.ACCOUNTS || '{}');
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.CLIENT_ID,
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: (process.env.REDIRECT_URIS || '').split(' ').filter(Boolean),
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username', 'groups'],
  },
  pkce: { required: () => false },
  cookies: { keys: ['beacon-tests-only-cookie-key'] },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: id, name: id, ...account };
      },
    };
  },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
