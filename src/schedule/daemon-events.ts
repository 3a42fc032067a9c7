/**
 * What the scheduler reports. The daemon never prints; the daemon log writer (stderr and
 * `<runs root>/schedule.log`) and any UI consume these events.
 */

/** Why a run started: its cron time came, a missed time is caught up at start-up, or `--once` found it due. */
export type FireTrigger = 'schedule' | 'catch-up' | 'once';

/** Why a fire time did not (yet) start a run. */
export type WaitReason =
  /** The job's own previous run is still going. */
  | 'previous-run-active'
  /** Another run (of this daemon or another process) holds the job's workdir. */
  | 'workdir-busy'
  /** overlap: replace: the previous run was told to stop; this one starts when it has. */
  | 'replacing';

/** Why a fire time was dropped. */
export type SkipReason =
  | 'previous-run-active'
  | 'workdir-busy'
  /** An earlier fire of the same job is still waiting (jitter or queue); fires do not pile up. */
  | 'already-pending'
  /** Passed while the scheduler was down (or the machine asleep) and `catchUp` is false. */
  | 'missed'
  /** The job was removed from its manifest while this fire was waiting. */
  | 'job-removed'
  /** The scheduler stopped while this fire was waiting. */
  | 'stopping'
  /** The workdir lock could not be taken (file-system error); see `detail`. */
  | 'lock-failed';

/** Identifies one scheduled job in events. */
export interface JobRef {
  manifest: string;
  job: string;
}

export type DaemonEvent =
  | { type: 'started'; at: number; mode: 'daemon' | 'once'; jobs: Array<JobRef & { nextFire: number | null }> }
  /** A run was handed to the runner. `firedAt` is the cron time, `at` the actual start (later by jitter or waiting). */
  | ({ type: 'fire'; at: number; firedAt: number; trigger: FireTrigger; workdir: string } & JobRef)
  | ({ type: 'queued'; at: number; firedAt: number; reason: WaitReason; detail: string } & JobRef)
  | ({ type: 'skip'; at: number; firedAt: number; reason: SkipReason; detail: string } & JobRef)
  | ({ type: 'run-finished'; at: number; firedAt: number; runDir: string; status: string } & JobRef)
  /** A lock left by a dead process was taken over. */
  | { type: 'lock-recovered'; at: number; workdir: string; stalePid: number | null }
  | { type: 'reload-ok'; at: number; file: string; added: string[]; removed: string[]; changed: string[] }
  /** The edited manifest did not validate; the previous schedule stays. `diagnostics` is printable text. */
  | { type: 'reload-failed'; at: number; file: string; diagnostics: string }
  | { type: 'error'; at: number; message: string; job: JobRef | null }
  | { type: 'stopped'; at: number };

export type DaemonEventListener = (event: DaemonEvent) => void;
