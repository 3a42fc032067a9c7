// `codex-run run` probes the native pump in a child process while the run's modules load
// (probePumpInBackground); the backend then chosen is the one the synchronous probe chooses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { defaultPumpBinary, probePump, probePumpInBackground, resolvePtyBackend } from '../../src/session/pty-backend.js';
import { tempDir } from '../helpers/temp-dir.js';

test('a background probe caches what the synchronous probe answers: a pump of another version, a missing one, the built one', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  // Two impostors in turn: one probed in the background, one synchronously; the same answer but the path.
  const impostors = ['bg', 'sync'].map((name) => {
    const file = path.join(dir, name, 'codex-run-pump');
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, '#!/bin/sh\necho something else\n', { mode: 0o700 });
    return file;
  });
  await probePumpInBackground({ env: {}, binary: impostors[0]! });
  fs.rmSync(impostors[0]!); // the answer now comes from the cache the background probe filled
  assert.equal(probePump(impostors[0]!)?.replace(impostors[0]!, '<pump>'), probePump(impostors[1]!)?.replace(impostors[1]!, '<pump>'));
  assert.match(probePump(impostors[0]!) ?? '', /is not a codex-run-pump of this version \(answered "something else"; expected "codex-run-pump \d+"\); rebuild it with `node \S+build-pump\.mjs`/);
  const chosen = resolvePtyBackend({ env: {}, binary: impostors[0]! });
  assert.deepEqual(chosen.ok && [chosen.value.kind, /is not a codex-run-pump of this version/.test(chosen.value.why)], ['js', true]);

  const missing = path.join(dir, 'missing', 'codex-run-pump');
  await probePumpInBackground({ env: {}, binary: missing });
  assert.match(probePump(missing) ?? '', /the pump is not built/);

  const built = defaultPumpBinary();
  if (fs.existsSync(built)) {
    await probePumpInBackground({ env: {}, binary: built });
    assert.equal(probePump(built), null);
  }
});

test('with CODEX_RUN_PTY=js nothing is probed', { timeout: 10_000 }, async () => {
  const dir = tempDir();
  const impostor = path.join(dir, 'codex-run-pump');
  fs.writeFileSync(impostor, `#!/bin/sh\ntouch ${JSON.stringify(path.join(dir, 'ran'))}\necho something else\n`, { mode: 0o700 });
  await probePumpInBackground({ env: { CODEX_RUN_PTY: 'js' }, binary: impostor });
  assert.equal(fs.existsSync(path.join(dir, 'ran')), false);
});
