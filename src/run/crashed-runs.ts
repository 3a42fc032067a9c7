/**
 * Runs whose runner died (SIGKILL, out of memory, power loss) leave report.json at
 * `running` forever and may leave job processes behind that ignored the terminal's hang-up.
 * Each report records the runner's identity (pid, start time, boot id) and each job's first
 * process and cgroup, so a later codex-run, at the start of a run or with `codex-run runs`,
 * can tell that the runner is gone (src/util/process-identity.ts), mark the run `crashed`,
 * and stop what is left of its jobs.
 *
 * Stopping is careful never to hit an unrelated process: only in the same boot; the job's
 * cgroup only if its name is one codex-run makes; the job's session (processes whose session
 * id is the job's pid) only when that pid is unused or still the same process (same start
 * time). A pid whose start time does not match is never signalled.
 *
 * Reports are rewritten atomically. Reports without a recorded runner (older versions) are
 * left as they are and listed as `running?`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPORT_FILE_NAME } from '../report/json-report.js';
import { writeFileAtomic } from '../report/atomic-write.js';
import { JOB_CGROUP_NAME, openCgroup } from '../session/cgroup.js';
import { findJobProcesses, signalProcesses } from '../session/process-tree.js';
import { isoTime } from '../logs/iso-time.js';
import { currentBootId, matchProcess, parseProcessIdentity, processStartTime, type ProcessIdentity } from '../util/process-identity.js';

/** A run folder as `codex-run runs` shows it. */
export interface RunListing {
  runId: string;
  runDir: string;
  /** The report's status; `running?` when it says running but its runner is unknown; `no report` when unreadable. */
  status: string;
  startedAt: string | null;
  /** Jobs per status, e.g. `{ succeeded: 2, failed: 1 }`. */
  jobs: Record<string, number>;
}

/** What recovering one crashed run did. */
export interface RecoveredRun {
  runId: string;
  runDir: string;
  runnerPid: number;
  /** Processes of its jobs that were still alive and were killed. */
  killed: number;
  /** Processes that survived SIGKILL (stuck), by pid. */
  survivors: number[];
  /** Problems writing the report or removing a cgroup. */
  problems: string[];
}

/** Tuning, for tests. */
export interface RecoverOptions {
  /** The time written as the detection time; default Date.now(). */
  now?: number;
  /** How long to wait for SIGKILLed processes to go; default 2000 ms. */
  killWaitMs?: number;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readReport(runDir: string): JsonObject | null {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(path.join(runDir, REPORT_FILE_NAME), 'utf8'));
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}

// The run's status is near the top of report.json (a fixed key order): only reports that may
// say 'running' are read whole, so a runs folder with months of runs costs a small read each.
function mayBeRunning(runDir: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(path.join(runDir, REPORT_FILE_NAME), 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(2048);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    const text = head.subarray(0, n).toString('utf8');
    const status = /"status":\s*"([a-z_]+)"/.exec(text);
    return status === null || status[1] === 'running';
  } catch {
    return false;
  } finally {
    fs.closeSync(fd);
  }
}

// Run folders, oldest first (run ids sort by start time).
function runFolders(runsRoot: string): string[] {
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(runsRoot, { withFileTypes: true });
  } catch {
    return [];
  }
  return names
    .filter((entry) => entry.isDirectory() && entry.name !== 'locks' && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
}

/** Whether a report's runner is known to be dead: 'crashed', 'alive', or 'unknown' (not recorded, or not verifiable). */
function runnerState(report: JsonObject): { state: 'dead' | 'alive' | 'unknown'; runner: ProcessIdentity | null } {
  const runner = parseProcessIdentity(report['runner']);
  if (runner === null) return { state: 'unknown', runner };
  const match = matchProcess(runner);
  return { state: match === 'gone' ? 'dead' : match === 'same' ? 'alive' : 'unknown', runner };
}

/** Finds every run under `runsRoot` whose runner died, marks it `crashed` and stops what is left of its jobs. */
export async function recoverCrashedRuns(runsRoot: string, options: RecoverOptions = {}): Promise<RecoveredRun[]> {
  const recovered: RecoveredRun[] = [];
  for (const runId of runFolders(runsRoot)) {
    const runDir = path.join(runsRoot, runId);
    if (!mayBeRunning(runDir)) continue;
    const report = readReport(runDir);
    if (report === null || report['status'] !== 'running') continue;
    const { state, runner } = runnerState(report);
    if (state !== 'dead' || runner === null) continue;
    recovered.push(await recoverRun(runId, runDir, report, runner, options));
  }
  return recovered;
}

/** Every run under `runsRoot`, oldest first, after recovering crashed ones. */
export async function listRuns(runsRoot: string, options: RecoverOptions = {}): Promise<{ runs: RunListing[]; recovered: RecoveredRun[] }> {
  const recovered = await recoverCrashedRuns(runsRoot, options);
  const runs = runFolders(runsRoot).map((runId): RunListing => {
    const runDir = path.join(runsRoot, runId);
    const report = readReport(runDir);
    if (report === null) return { runId, runDir, status: 'no report', startedAt: null, jobs: {} };
    const jobs: Record<string, number> = {};
    for (const job of Array.isArray(report['jobs']) ? report['jobs'] : []) {
      const status = isObject(job) && typeof job['status'] === 'string' ? job['status'] : 'unknown';
      jobs[status] = (jobs[status] ?? 0) + 1;
    }
    let status = typeof report['status'] === 'string' ? report['status'] : 'unknown';
    if (status === 'running' && runnerState(report).state === 'unknown') status = 'running?';
    return { runId, runDir, status, startedAt: typeof report['startedAt'] === 'string' ? report['startedAt'] : null, jobs };
  });
  return { runs, recovered };
}

async function recoverRun(runId: string, runDir: string, report: JsonObject, runner: ProcessIdentity, options: RecoverOptions): Promise<RecoveredRun> {
  const now = options.now ?? Date.now();
  const problems: string[] = [];
  const sameBoot = runner.bootId === null || runner.bootId === currentBootId();
  const jobs = Array.isArray(report['jobs']) ? report['jobs'].filter(isObject) : [];
  let killed = 0;
  let survivors: number[] = [];
  if (sameBoot) {
    const stopped = await stopLeftovers(jobs, options.killWaitMs ?? 2000, problems);
    killed = stopped.killed;
    survivors = stopped.survivors;
  }
  const detected = isoTime(now);
  const died = `the runner (pid ${runner.pid}) died`;
  for (const job of jobs) {
    if (job['status'] === 'pending') {
      Object.assign(job, { status: 'skipped', phase: 'finished', reason: 'runner-crashed', message: `not started: ${died}` });
    } else if (job['status'] === 'running') {
      Object.assign(job, { status: 'failed', phase: 'finished', reason: 'runner-crashed', message: `${died} while the job ran; found at ${detected}` });
    }
  }
  const summary: Record<string, number> = { pending: 0, running: 0, succeeded: 0, failed: 0, timed_out: 0, killed: 0, interrupted: 0, skipped: 0 };
  for (const job of jobs) if (typeof job['status'] === 'string' && job['status'] in summary) summary[job['status']]! += 1;
  const warnings = Array.isArray(report['warnings']) ? report['warnings'] : [];
  const what = !sameBoot
    ? 'the machine has restarted since, so none of its processes is left'
    : `${killed} leftover process(es) of its jobs stopped${survivors.length > 0 ? `; still alive after SIGKILL: ${survivors.join(', ')}` : ''}`;
  const updated = {
    ...report,
    status: 'crashed',
    summary,
    jobs,
    warnings: [...warnings, { at: detected, job: null, message: `${died} without finishing this run; marked crashed by codex-run pid ${process.pid}; ${what}` }],
  };
  const written = await writeFileAtomic(path.join(runDir, REPORT_FILE_NAME), `${JSON.stringify(updated, null, 2)}\n`);
  if (!written.ok) problems.push(`cannot mark ${runDir} as crashed: ${written.error}`);
  return { runId, runDir, runnerPid: runner.pid, killed, survivors, problems };
}

// Kills what is left of unfinished jobs: their cgroups, and the sessions of their first
// processes when those are provably theirs; rescans until nothing is left or time runs out.
async function stopLeftovers(jobs: JsonObject[], killWaitMs: number, problems: string[]): Promise<{ killed: number; survivors: number[] }> {
  const groups: string[] = [];
  const roots: ProcessIdentity[] = [];
  for (const job of jobs) {
    if (job['status'] !== 'running' && job['status'] !== 'pending') continue;
    const recorded = isObject(job['process']) ? job['process'] : null;
    if (recorded === null) continue;
    const cgroup = recorded['cgroup'];
    if (typeof cgroup === 'string' && path.isAbsolute(cgroup) && JOB_CGROUP_NAME.test(path.basename(cgroup)) && fs.existsSync(path.join(cgroup, 'cgroup.procs'))) {
      groups.push(cgroup);
    }
    const identity = parseProcessIdentity(recorded);
    if (identity !== null && identity.pid > 1 && identity.startTime !== null) roots.push(identity);
  }
  const find = (): number[] => {
    const pids = new Set<number>();
    for (const group of groups) for (const pid of openCgroup(group).members()) pids.add(pid);
    for (const root of roots) {
      // The pid is unused (its session members, if any, can only be the job's), or is still the job's process.
      const startTime = processStartTime(root.pid);
      if (startTime !== null && startTime !== root.startTime) continue;
      for (const pid of findJobProcesses(root.pid)) {
        const memberStart = processStartTime(pid);
        if (memberStart !== null && BigInt(memberStart) >= BigInt(root.startTime!)) pids.add(pid);
      }
    }
    pids.delete(process.pid);
    return [...pids].filter((pid) => pid > 1).sort((a, b) => a - b);
  };
  const killedPids = new Set<number>();
  const deadline = Date.now() + killWaitMs;
  let left = find();
  while (left.length > 0 && Date.now() < deadline) {
    for (const group of groups) openCgroup(group).kill();
    signalProcesses(left, 'SIGKILL');
    for (const pid of left) killedPids.add(pid);
    await new Promise((resolve) => setTimeout(resolve, 25));
    left = find();
  }
  for (const group of groups) {
    const problem = openCgroup(group).remove();
    if (problem !== null && left.length === 0) problems.push(problem);
  }
  return { killed: killedPids.size, survivors: left };
}

/** One line about a crashed run that was just marked, for a warning or stderr. */
export function describeRecovered(run: RecoveredRun): string {
  const survivors = run.survivors.length > 0 ? `; still alive after SIGKILL: pid ${run.survivors.join(', ')}` : '';
  const problems = run.problems.length > 0 ? `; ${run.problems.join('; ')}` : '';
  return `run ${run.runId} crashed (its runner, pid ${run.runnerPid}, died): marked crashed, stopped ${run.killed} leftover process(es)${survivors}${problems}`;
}
