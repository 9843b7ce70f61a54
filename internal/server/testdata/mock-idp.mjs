// Starts oauth2-mock-server (an independent OAuth 2 / OIDC implementation
// from npm) on 127.0.0.1 and reshapes its client-credentials access tokens
// like the two real token families toolgate must accept:
//   client "cognito-client": Cognito-like  (client_id, scope, token_use, no aud)
//   any other client:        Auth0/Okta-like (aud from the request, azp, scope)
// Prints {"issuer": "..."} on one line once listening; exits on stdin EOF.
// The package is loaded from the directory in MOCK_IDP_NODE_MODULES (ESM
// resolves bare imports relative to this file, not to the working dir).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const { OAuth2Server } = await import(
  pathToFileURL(join(process.env.MOCK_IDP_NODE_MODULES, 'oauth2-mock-server', 'dist', 'index.mjs')).href);

const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');

function clientOf(req) {
  const auth = req.headers['authorization'] ?? '';
  if (auth.startsWith('Basic ')) {
    return Buffer.from(auth.slice(6), 'base64').toString().split(':')[0];
  }
  return req.body?.client_id ?? '';
}

server.service.on('beforeTokenSigning', (token, req) => {
  const client = clientOf(req);
  const p = token.payload;
  if (client === 'cognito-client') {
    delete p.aud;
    p.sub = client;
    p.client_id = client;
    p.token_use = 'access';
    p.version = 2;
  } else {
    p.sub = client + '@clients';
    p.azp = client;
  }
});

await server.start(0, '127.0.0.1');
console.log(JSON.stringify({ issuer: server.issuer.url }));
process.stdin.resume();
process.stdin.on('end', async () => { await server.stop(); process.exit(0); });
