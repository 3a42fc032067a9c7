import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runnerCgroupDir } from '../../src/session/cgroup.js';

// The runner's cgroup folder is found once per process, not per job start (issue 16): the same
// answer (same value, whether a folder or the reason there is none) comes back without re-reading /proc.
test('runnerCgroupDir is computed once per process', { timeout: 10_000 }, () => {
  const first = runnerCgroupDir();
  const second = runnerCgroupDir();
  assert.equal(second, first, 'the second call returns the cached answer, not a new one');
});
