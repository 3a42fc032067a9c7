/**
 * Job containment by the kernel: each job attempt runs in its own cgroup (v2), so every
 * process it ever starts stays countable and killable, whatever it does (double fork,
 * `setsid`, a cleared environment, another uid). This is what systemd's KillMode=control-group
 * relies on. Where cgroups cannot be used, the caller falls back to the session and marker
 * scan of process-tree.ts.
 *
 * Layout: `<the runner's own cgroup>/codex-run.<runner pid>.<random>`, one per job attempt,
 * created by the runner; the job's first process joins it before it execs anything, through
 * the launcher `libexec/join-cgroup.sh` (see {@link launcherPath}). No controllers are enabled,
 * so cgroup v2's "no internal processes" rule does not apply and the runner stays where it is:
 * only `cgroup.procs` and `cgroup.kill` are needed.
 *
 * Kill: `cgroup.kill` (Linux >= 5.14) SIGKILLs every member at once, forks included; on older
 * kernels the members listed in `cgroup.procs` are SIGKILLed, and callers repeat until the
 * group is empty. Then the directory is removed.
 *
 * If the runner process exits with groups still open (an uncaught error, a library user that
 * exits early), an exit hook kills them, so no job outlives its runner that way either. Empty
 * groups left by runners that are gone are removed when the next one is created; non-empty
 * ones are the crashed-run recovery's (src/run/crashed-runs.ts).
 *
 * Works as root, or as a user whose own cgroup is delegated (systemd `Delegate=yes`, e.g. a
 * `systemd-run --user --scope` shell) and writable. `CODEX_RUN_CGROUPS=off` turns it off.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { findUp } from '../util/find-up.js';
import { err, ok, type Result } from '../util/result.js';

/** The environment variable that turns cgroup containment off (`off`). */
export const CGROUPS_VARIABLE = 'CODEX_RUN_CGROUPS';

/** The name of a group codex-run creates: `codex-run.<runner pid>.<random hex>`. */
export const JOB_CGROUP_NAME = /^codex-run\.([0-9]+)\.[0-9a-f]+$/;

/** Groups created by this process and not yet removed, killed by the exit hook. */
const openGroups = new Set<string>();
let exitHookInstalled = false;
/** The parent under which a group's cgroup.procs was found writable (checked once). */
let joinableUnder: string | null = null;
let collected = false;

// Synchronous, as 'exit' handlers must be: SIGKILL to each group still open, then a short
// wait (at most ~200 ms) for them to empty so they can be removed.
function killOpenGroupsOnExit(): void {
  for (const dir of spareGroups) removeCgroupDir(dir);
  spareGroups.clear();
  if (refilling !== null) removeCgroupDir(refilling);
  const dirs = [...openGroups];
  for (const dir of dirs) killCgroup(dir);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 100 && dirs.some((dir) => cgroupMembers(dir).length > 0); i++) Atomics.wait(pause, 0, 0, 2);
  for (const dir of dirs) removeCgroupDir(dir);
}

/** One job attempt's cgroup. */
export interface JobCgroup {
  /** Absolute path of the cgroup directory. */
  readonly path: string;
  /** Pids in the cgroup now (no zombies). */
  members(): number[];
  /** Sends `signal` to every member; returns how many were signalled. */
  signal(signal: NodeJS.Signals): number;
  /** SIGKILLs every member (`cgroup.kill` when the kernel has it). */
  kill(): void;
  /** Removes the directory; an error message when it cannot (still populated, gone already is fine). */
  remove(): string | null;
  /** The same through the thread pool (rmdir of a cgroup is ~0.5 ms of kernel work on the calling thread). */
  removeLater(): Promise<string | null>;
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// The mount point of the cgroup2 file system and its root within the hierarchy, from
// /proc/self/mountinfo ("36 35 0:30 / /sys/fs/cgroup rw,... - cgroup2 cgroup2 rw,...").
function cgroup2Mount(): { mountPoint: string; root: string } | null {
  let text: string;
  try {
    text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const [before, after] = line.split(' - ');
    if (before === undefined || after === undefined || !after.startsWith('cgroup2 ')) continue;
    const fields = before.split(' ');
    const root = fields[3];
    const mountPoint = fields[4];
    if (root === undefined || mountPoint === undefined) continue;
    // mountinfo escapes space, tab, newline and backslash as octal.
    const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    return { mountPoint: unescape(mountPoint), root: unescape(root) };
  }
  return null;
}

let runnerDir: Result<string, string> | undefined;

/**
 * The runner's own cgroup v2 directory, or why there is none usable. Found once per process
 * (reading /proc/self/cgroup and mountinfo per job was measurable main-thread time per job start,
 * issue 16): the runner does not move itself between cgroups, and a job's group is created under
 * this folder, so a later change would not be followed anyway.
 */
export function runnerCgroupDir(): Result<string, string> {
  runnerDir ??= findRunnerCgroupDir();
  return runnerDir;
}

function findRunnerCgroupDir(): Result<string, string> {
  let own: string | undefined;
  try {
    own = fs
      .readFileSync('/proc/self/cgroup', 'utf8')
      .split('\n')
      .find((line) => line.startsWith('0::'))
      ?.slice(3);
  } catch {
    return err('no /proc/self/cgroup (not Linux?)');
  }
  if (own === undefined || own === '') return err('the runner is in no cgroup v2 hierarchy');
  if (own.endsWith(' (deleted)')) return err('the runner is in a removed cgroup');
  const mount = cgroup2Mount();
  if (mount === null) return err('no cgroup2 file system is mounted');
  const relative = mount.root === '/' ? own : own.startsWith(`${mount.root}/`) || own === mount.root ? own.slice(mount.root.length) : null;
  if (relative === null) return err(`the runner's cgroup ${own} is outside the mounted part of the hierarchy (${mount.root})`);
  const dir = path.join(mount.mountPoint, relative);
  if (!fs.existsSync(path.join(dir, 'cgroup.procs'))) return err(`${dir} is not a cgroup directory`);
  return ok(dir);
}

let launcher: string | null | undefined;

/** The launcher script that joins a cgroup and then execs the job's argv, or null when missing. */
export function launcherPath(): string | null {
  if (launcher !== undefined) return launcher;
  launcher = findUp(import.meta.url, (dir) => {
    const file = path.join(dir, 'libexec', 'join-cgroup.sh');
    return fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(file) ? file : null;
  });
  return launcher;
}

/**
 * Creates a fresh cgroup for one job attempt under the runner's own, or says why it cannot
 * (then the caller falls back to the session and marker scan).
 */
export function createJobCgroup(env: Record<string, string | undefined> = process.env): Result<JobCgroup, string> {
  if (env[CGROUPS_VARIABLE] === 'off') return err(`${CGROUPS_VARIABLE}=off`);
  if (launcherPath() === null) return err('the launcher libexec/join-cgroup.sh is missing from the package');
  const parent = runnerCgroupDir();
  if (!parent.ok) return parent;
  if (!collected) {
    collected = true;
    removeEmptyLeftovers(parent.value);
  }
  const dir = takeSpare() ?? path.join(parent.value, groupName());
  if (!spareGroups.has(dir)) {
    try {
      fs.mkdirSync(dir, { mode: 0o755 });
    } catch (error) {
      return err(`cannot create a cgroup under ${parent.value}: ${message(error)}`);
    }
  }
  spareGroups.delete(dir);
  // The job joins by writing its pid here; as a delegated user the file must be ours. Checked
  // for the first group under a parent: every later one is made the same way, by the same user.
  if (joinableUnder !== parent.value) {
    try {
      fs.accessSync(path.join(dir, 'cgroup.procs'), fs.constants.W_OK);
    } catch (error) {
      removeCgroupDir(dir);
      return err(`cannot move processes into ${dir}: ${message(error)}`);
    }
    joinableUnder = parent.value;
  }
  refillSpares(parent.value);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killOpenGroupsOnExit);
  }
  openGroups.add(dir);
  return ok(openCgroup(dir));
}

function groupName(): string {
  return `codex-run.${process.pid}.${randomBytes(6).toString('hex')}`;
}

/**
 * Groups made ahead, in the background: creating a cgroup is ~1 ms of kernel work, which a
 * batch of short jobs would otherwise pay on the main thread at every start (issue 16). At most
 * {@link SPARE_GROUPS}; removed by the exit hook like open ones.
 */
const SPARE_GROUPS = 8;
const spareGroups = new Set<string>();
/** The group being made in the background, if any (removed at exit if it got made). */
let refilling: string | null = null;

function takeSpare(): string | null {
  for (const dir of spareGroups) {
    // Someone may have removed it meanwhile (another runner's clean-up of "empty leftovers").
    if (fs.existsSync(path.join(dir, 'cgroup.procs'))) return dir;
    spareGroups.delete(dir);
  }
  return null;
}

function refillSpares(parent: string): void {
  if (refilling !== null || spareGroups.size >= SPARE_GROUPS) return;
  const dir = path.join(parent, groupName());
  refilling = dir;
  fs.mkdir(dir, { mode: 0o755 }, (error) => {
    refilling = null;
    if (error !== null) return; // The next job makes its own, and says why if it cannot.
    spareGroups.add(dir);
    refillSpares(parent);
  });
}

// Empty groups whose runner is gone (it was killed, or exited with a job still open): nothing
// in them to stop, so they are simply removed.
function removeEmptyLeftovers(parent: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const runner = JOB_CGROUP_NAME.exec(name)?.[1];
    if (runner === undefined || Number(runner) === process.pid || runnerAlive(Number(runner))) continue;
    const dir = path.join(parent, name);
    if (cgroupMembers(dir).length === 0) removeCgroupDir(dir);
  }
}

function runnerAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/**
 * A handle on an existing cgroup directory (also for one left by a crashed runner).
 * `useKillFile: false` kills member by member, as on kernels without cgroup.kill (for tests).
 */
export function openCgroup(dir: string, options: { useKillFile?: boolean } = {}): JobCgroup {
  return {
    path: dir,
    members: () => cgroupMembers(dir),
    signal: (signal) => {
      let signalled = 0;
      for (const pid of cgroupMembers(dir)) {
        if (pid === process.pid) continue;
        try {
          process.kill(pid, signal);
          signalled += 1;
        } catch {
          // Gone meanwhile.
        }
      }
      return signalled;
    },
    kill: () => killCgroup(dir, options.useKillFile ?? true),
    remove: () => removeCgroupDir(dir),
    removeLater: () => removeCgroupDirLater(dir),
  };
}

/** Pids in a cgroup (and its child cgroups, which a job may have created as root). */
export function cgroupMembers(dir: string): number[] {
  const pids = new Set<number>();
  const walk = (current: string): void => {
    let text: string;
    try {
      text = fs.readFileSync(path.join(current, 'cgroup.procs'), 'utf8');
    } catch {
      return; // Removed meanwhile, or never was one.
    }
    for (const line of text.split('\n')) if (/^[0-9]+$/.test(line)) pids.add(Number(line));
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) if (entry.isDirectory()) walk(path.join(current, entry.name));
  };
  walk(dir);
  return [...pids].sort((a, b) => a - b);
}

// cgroup.kill covers the whole subtree atomically, forks in flight included; without it,
// every listed member gets SIGKILL and the caller rescans.
function killCgroup(dir: string, useKillFile = true): void {
  if (useKillFile) {
    try {
      fs.writeFileSync(path.join(dir, 'cgroup.kill'), '1');
      return;
    } catch {
      // No cgroup.kill (Linux < 5.14), or the group is gone: signal what is listed.
    }
  }
  for (const pid of cgroupMembers(dir)) {
    if (pid === process.pid) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}

// removeCgroupDir through the thread pool: the usual group, with no child groups, is one
// readdir and one rmdir; anything else (child groups, errors) is left to the synchronous one.
async function removeCgroupDirLater(dir: string): Promise<string | null> {
  try {
    const entries = await fs.promises.readdir(dir, { withFileTypes: true });
    if (entries.some((entry) => entry.isDirectory())) return removeCgroupDir(dir);
    await fs.promises.rmdir(dir);
    openGroups.delete(dir);
    return null;
  } catch {
    return removeCgroupDir(dir); // gone already (fine), or it says why not
  }
}

// rmdir of every child cgroup first (a job may have made some), then the group itself.
function removeCgroupDir(dir: string): string | null {
  try {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        const problem = removeCgroupDir(path.join(dir, entry.name));
        if (problem !== null) return problem;
      }
    }
    fs.rmdirSync(dir);
    openGroups.delete(dir);
    return null;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') {
      openGroups.delete(dir);
      return null;
    }
    return `cannot remove cgroup ${dir}: ${message(error)}`;
  }
}
