import { listRuns } from '../control/list-runs.js';
import { runsRootOf } from '../control/locate.js';
import { formatMs } from '../session/policies/policy.js';
import { processOutput } from '../ui/output-stream.js';
import { sanitizeLine } from '../ui/text.js';

/** `codex-run ps [--all] [--json]`: live runs and their jobs' states (with `--all`, recent finished ones too). */
export async function psCommand(flags: Record<string, unknown>): Promise<number> {
  const root = runsRootOf(flags['out']);
  const rows = await listRuns(root, { all: flags['all'] === true });
  const { stdout } = processOutput();
  if (flags['json'] === true) {
    stdout.write(`${JSON.stringify({ runsRoot: root, runs: rows }, null, 2)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    stdout.write(`no live runs in ${root}${flags['all'] === true ? '' : ' (--all lists finished ones too)'}\n`);
    return 0;
  }
  for (const row of rows) {
    const pid = row.pid === null ? '' : `  pid ${row.pid}`;
    stdout.write(`${row.runId}  ${row.state === 'live' ? row.status : row.state}${pid}${row.note === null ? '' : `  (${sanitizeLine(row.note)})`}\n`);
    for (const job of row.jobs) {
      const question = job.question?.text === undefined ? '' : `: ${sanitizeLine(job.question.text)}`;
      const cols = [
        `  ${job.name.padEnd(16)}`,
        `${sanitizeLine(job.label)}${question}`.padEnd(28),
        job.elapsedMs == null ? '' : formatMs(job.elapsedMs),
        job.turns == null ? '' : `${job.turns} ${job.turns === 1 ? 'turn' : 'turns'}`,
        job.tokensUsed == null ? '' : `${job.tokensUsed} tokens`,
        job.pid == null ? '' : `pid ${job.pid}`,
      ];
      stdout.write(`${cols.filter((c) => c !== '').join('  ')}\n`);
    }
  }
  return 0;
}
