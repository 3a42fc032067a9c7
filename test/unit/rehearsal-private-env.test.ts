/** The base environment of every rehearsed child: no agent's credentials or endpoints, no proxies, NO_PROXY on loopback. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AGENTS } from '../../src/agents/registry.js';
import { matchesPrivateEnv, privateEnvUnion, rehearsalBaseEnv } from '../../src/rehearsal/private-env.js';

const rehearsals = Object.values(AGENTS).flatMap((adapter) => (adapter.rehearsal === undefined ? [] : [adapter.rehearsal]));

test('every rehearsable adapter declares its private variables; the union covers every vendor', { timeout: 5_000 }, () => {
  for (const rehearsal of rehearsals) assert.ok(rehearsal.privateEnv.length > 0, rehearsal.face.name);
  const union = privateEnvUnion(rehearsals);
  for (const name of ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN', 'GEMINI_API_KEY', 'GOOGLE_API_KEY', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'CODEX_API_KEY', 'HTTPS_PROXY', 'http_proxy', 'ALL_PROXY']) {
    assert.ok(matchesPrivateEnv(name, union), name);
  }
  for (const name of ['PATH', 'HOME', 'GIT_AUTHOR_NAME', 'NO_PROXY']) assert.ok(!matchesPrivateEnv(name, union), name);
});

test('rehearsalBaseEnv keeps the rest and points NO_PROXY at loopback', { timeout: 5_000 }, () => {
  const env = rehearsalBaseEnv({ PATH: '/bin', ANTHROPIC_API_KEY: 'a', GOOGLE_API_KEY: 'g', OPENAI_API_KEY: 'o', https_proxy: 'http://p:1', NO_PROXY: 'example.com', UNSET: undefined }, rehearsals);
  assert.deepEqual(env, { PATH: '/bin', NO_PROXY: '127.0.0.1,localhost,::1', no_proxy: '127.0.0.1,localhost,::1' });
});
