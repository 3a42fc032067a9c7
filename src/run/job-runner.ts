import { randomBytes } from 'node:crypto';
import type { LaunchPlan, LaunchProblem } from '../agents/adapter.js';
import { adapterFor } from '../agents/registry.js';
import type { JobFiles } from '../logs/job-files.js';
import { JobSession, withLogError, type StopCause } from '../session/job-session.js';
import { JobSupervision } from '../session/job-supervision.js';
import { DEFAULT_COLS, DEFAULT_ROWS, type PtyFactory } from '../session/pty.js';
import type { TreeControl } from '../session/tree-control.js';
import type { Clock } from '../util/clock.js';
import type { Result } from '../util/result.js';
import type { EventBus, JobResult } from './events.js';
import type { JobPlan } from './plan.js';
import { decideResume, lostContext } from './resume-policy.js';

/** Name of the variable that marks every process of a job, so strays can be found by environment. */
export const JOB_MARKER_VARIABLE = 'CODEX_RUN_JOB_TOKEN';

export interface JobRunnerOptions {
  plan: JobPlan;
  /** The job's open log and transcript; closed by the runner when the job is finished. */
  files: JobFiles;
  runId: string;
  bus: EventBus;
  clock: Clock;
  ptyFactory: PtyFactory;
  tree: TreeControl;
  graceMs: number;
  /** The child's environment for an attempt (rehearsal swaps in a private CODEX_HOME). */
  env: (base: Record<string, string>) => Record<string, string>;
}

/** One attempt: the first run, or a resume of the session it expects to continue. */
interface Attempt {
  launch: Result<LaunchPlan, LaunchProblem>;
  resumed: number;
  /** The session id a resume must report, or null for the first attempt. */
  expects: string | null;
}

/**
 * Runs one job to its final result: an attempt in a PTY under supervision, then, while the
 * resume policy says so, resumes of the agent's session by id, all into the same log.
 *
 *   attempt ──ended──▶ (resume policy) ──resume──▶ attempt ...
 *                             └──final──▶ files closed ──▶ result
 */
export class JobRunner {
  private session: JobSession | null = null;
  private stopped: StopCause | null = null;
  /** The latest session id the agent reported, and the one reported during the current attempt. */
  private sessionId: string | null = null;
  private attemptSessionId: string | null = null;
  private readonly unsubscribe: () => void;

  constructor(private readonly o: JobRunnerOptions) {
    const name = o.plan.job.name;
    this.unsubscribe = o.bus.on((event) => {
      if (event.type !== 'job-facts' || event.job !== name || event.facts.sessionId === undefined) return;
      this.sessionId = event.facts.sessionId;
      this.attemptSessionId = event.facts.sessionId;
    });
  }

  /** Runs every attempt; resolves with the final result once the job's files are flushed. */
  async run(): Promise<JobResult> {
    const { plan, files } = this.o;
    let attempt: Attempt = { launch: plan.launch, resumed: 0, expects: null };
    let firstStartedAt: number | null = null;
    for (;;) {
      let result = await this.runAttempt(attempt);
      // The job started when its first attempt did; resumes continue it.
      firstStartedAt ??= result.startedAt;
      result = { ...result, startedAt: firstStartedAt ?? result.startedAt };
      if (attempt.expects !== null && this.attemptSessionId !== attempt.expects) {
        result = lostContext(result, attempt.expects, this.attemptSessionId);
      }
      const decision = this.stopped === null ? decideResume(plan.job, result, this.sessionId, attempt.resumed) : { kind: 'final' as const };
      const adapter = adapterFor(plan.job.agent);
      if (decision.kind === 'final' || adapter.resumePlan === undefined) {
        this.unsubscribe();
        await files.close();
        return withLogError(result, files.error());
      }
      this.o.bus.emit({
        type: 'job-intervention',
        at: this.o.clock.now(),
        job: plan.job.name,
        intervention: {
          at: this.o.clock.now(),
          kind: 'resume',
          rule: null,
          excerpt: [],
          sent: null,
          attempt: decision.attempt,
          sessionId: decision.sessionId,
          why: decision.why,
        },
      });
      files.mark(`──── attempt ${decision.attempt + 1}: resuming session ${decision.sessionId} after ${decision.why} ────`);
      attempt = {
        launch: adapter.resumePlan(plan.job, plan.env, decision.sessionId, decision.prompt),
        resumed: decision.attempt,
        expects: decision.sessionId,
      };
    }
  }

  /** Stops the current attempt through the stop ladder; no resume follows. */
  stop(cause: StopCause, options: { immediate?: boolean } = {}): void {
    this.stopped = cause;
    this.session?.stop(cause, options);
  }

  private runAttempt(attempt: Attempt): Promise<JobResult> {
    const { plan, bus, clock } = this.o;
    const { job } = plan;
    const marker = { name: JOB_MARKER_VARIABLE, value: `${this.o.runId}:${randomBytes(8).toString('hex')}` };
    this.attemptSessionId = null;
    // Supervision acts on the session, which is created right after it.
    const supervision = new JobSupervision({
      job,
      cols: DEFAULT_COLS,
      rows: DEFAULT_ROWS,
      clock,
      bus,
      decline: plan.decline,
      target: {
        write: (data) => session.write(data),
        stop: (cause, stopOptions) => session.stop(cause, stopOptions),
      },
    });
    const session: JobSession = new JobSession({
      job,
      observer: supervision,
      launch: attempt.launch,
      env: { ...this.o.env(plan.env), [marker.name]: marker.value },
      interruptFirst: plan.interruptFirst,
      sink: this.o.files,
      bus,
      clock,
      ptyFactory: this.o.ptyFactory,
      tree: this.o.tree,
      marker,
      graceMs: this.o.graceMs,
      cols: DEFAULT_COLS,
      rows: DEFAULT_ROWS,
    });
    this.session = session;
    return session.start();
  }
}
