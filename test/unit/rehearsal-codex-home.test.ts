import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  REHEARSAL_MODEL,
  REHEARSAL_UNSET_ENV,
  createRehearsalHome,
  rehearsalConfigToml,
} from '../../src/agents/codex/rehearsal/codex-home.js';
import { tempDir } from '../helpers/temp-dir.js';

test('config.toml points codex at the server, trusts the workdirs and pre-answers first-run screens', () => {
  const toml = rehearsalConfigToml({
    baseUrl: 'http://127.0.0.1:4000/r/build/v1',
    model: REHEARSAL_MODEL,
    trustedDirs: ['/work/app', '/work/odd "quoted" \\ dir'],
  });
  assert.equal(
    toml,
    [
      '# Written by codex-run for a rehearsal: codex talks to the scripted model server only.',
      'model = "gpt-6.1-sol"',
      'model_provider = "rehearsal"',
      'check_for_update_on_startup = false',
      '',
      '[model_providers.rehearsal]',
      'name = "codex-run rehearsal"',
      'base_url = "http://127.0.0.1:4000/r/build/v1"',
      'wire_api = "responses"',
      '',
      '[analytics]',
      'enabled = false',
      '',
      '[features]',
      'plugins = false',
      'remote_plugin = false',
      'plugin_sharing = false',
      'apps = false',
      '',
      '[notice]',
      'hide_full_access_warning = true',
      'hide_world_writable_warning = true',
      'hide_rate_limit_model_nudge = true',
      '',
      '[notice.model_migrations]',
      '"gpt-5.5" = "gpt-6-sol"',
      '"gpt-5.6-sol" = "gpt-6-sol"',
      '"gpt-5.6-terra" = "gpt-6-sol"',
      '"gpt-5.6-luna" = "gpt-6-luna"',
      '',
      '[tui]',
      'screen_reader_detection_done = true',
      '',
      '[projects."/work/app"]',
      'trust_level = "trusted"',
      '',
      '[projects."/work/odd \\"quoted\\" \\\\ dir"]',
      'trust_level = "trusted"',
      '',
    ].join('\n'),
  );
});

test('TOML strings escape control characters, including DEL', () => {
  const toml = rehearsalConfigToml({ baseUrl: 'http://127.0.0.1:1/v1', model: 'a\tb\u007fc\nd', trustedDirs: [] });
  assert.match(toml, /^model = "a\\tb\\u007fc\\nd"$/m);
});

test('the home is a private folder with a private config, and the env isolates codex from the user', async () => {
  const parent = tempDir('rehearsal-home-');
  const real = path.join(parent, 'real-work');
  mkdirSync(real);
  const link = path.join(parent, 'linked-work');
  symlinkSync(real, link);
  const home = await createRehearsalHome({
    baseUrl: 'http://127.0.0.1:4000/r/build/v1',
    workdirs: [link, path.relative(process.cwd(), real), path.join(parent, 'not-yet')],
    model: 'gpt-5.5',
    parentDir: path.join(parent, 'homes'),
  });
  try {
    assert.equal(path.dirname(home.dir), path.join(parent, 'homes'));
    assert.equal(statSync(home.dir).mode & 0o777, 0o700);
    const config = path.join(home.dir, 'config.toml');
    assert.equal(statSync(config).mode & 0o777, 0o600);
    const toml = readFileSync(config, 'utf8');
    assert.match(toml, /^model = "gpt-5\.5"$/m);
    const trusted = [...toml.matchAll(/^\[projects\.("[^\n]*")\]$/gm)].map((m) => JSON.parse(m[1]!) as string);
    assert.deepEqual(trusted, [link, real, path.join(parent, 'not-yet')]);

    assert.deepEqual(home.env, { CODEX_HOME: home.dir, CODEX_SQLITE_HOME: home.dir });
    assert.deepEqual(home.unsetEnv, REHEARSAL_UNSET_ENV);
    const child = home.childEnv({
      PATH: '/usr/bin',
      HOME: '/home/someone',
      CODEX_HOME: '/home/someone/.codex',
      OPENAI_API_KEY: 'sk-real',
      CODEX_API_KEY: 'real',
      OPENAI_BASE_URL: 'https://api.openai.com/v1',
      EMPTY: undefined,
    });
    assert.deepEqual(child, { PATH: '/usr/bin', HOME: '/home/someone', CODEX_HOME: home.dir, CODEX_SQLITE_HOME: home.dir });
  } finally {
    await home.dispose();
  }
  assert.equal(existsSync(home.dir), false);
  await home.dispose();
});

test('two homes never share a folder', async () => {
  const parent = tempDir('rehearsal-home-');
  const options = { baseUrl: 'http://127.0.0.1:1/v1', workdirs: [], model: REHEARSAL_MODEL, parentDir: parent };
  const [a, b] = await Promise.all([createRehearsalHome(options), createRehearsalHome(options)]);
  assert.notEqual(a.dir, b.dir);
  await Promise.all([a.dispose(), b.dispose()]);
});

test('a home whose parent cannot be created is a rejected promise, and leaves nothing behind', async () => {
  const parent = tempDir('rehearsal-home-');
  const file = path.join(parent, 'a-file');
  writeFileSync(file, 'x');
  await assert.rejects(
    createRehearsalHome({ baseUrl: 'http://127.0.0.1:1/v1', workdirs: [], model: REHEARSAL_MODEL, parentDir: path.join(file, 'sub') }),
    /ENOTDIR/,
  );
});
