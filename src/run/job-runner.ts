import { randomBytes } from 'node:crypto';
import type { ConversationPosition, LaunchPlan, LaunchProblem } from '../agents/adapter.js';
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
import { renderConversation, type TranscriptItem } from '../logs/conversation-text.js';

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
  /** The environment of the current attempt (where the agent keeps its records). */
  private attemptEnv: Record<string, string> = {};
  /** For the readable transcript: the agent's conversation, codex-run's interventions and attempt markers. */
  private readonly transcriptItems: TranscriptItem[] = [];
  /** Where each session's conversation record was read up to. */
  private readonly conversationRead = new Map<string, ConversationPosition>();
  private lastMessageReported = false;
  /** Clock time the current attempt started. */
  private attemptStartedAt = 0;

  constructor(private readonly o: JobRunnerOptions) {
    const name = o.plan.job.name;
    this.unsubscribe = o.bus.on((event) => {
      if (!('job' in event) || event.job !== name) return;
      if (event.type === 'job-intervention') this.transcriptItems.push({ at: event.intervention.at, kind: 'intervention', intervention: event.intervention });
      if (event.type === 'job-facts' && event.facts.lastMessage !== undefined) this.lastMessageReported = true;
      if (event.type !== 'job-facts' || event.facts.sessionId === undefined) return;
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
      await this.readConversation();
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
        // A full-screen agent's decoded output is a redrawn screen: its conversation reads better.
        if (adapter.fullScreen?.(plan.job) === true && this.transcriptItems.some((i) => i.kind === 'entry')) {
          await files.replaceTranscript(renderConversation(this.transcriptItems));
        }
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
      const marker = `──── attempt ${decision.attempt + 1}: resuming session ${decision.sessionId} after ${decision.why} ────`;
      files.mark(marker);
      this.transcriptItems.push({ at: this.o.clock.now(), kind: 'marker', text: marker });
      attempt = {
        launch: adapter.resumePlan(plan.job, plan.env, decision.sessionId, decision.prompt),
        resumed: decision.attempt,
        expects: decision.sessionId,
      };
    }
  }

  // After an attempt: what the agent's own record says happened (and its last message, when
  // nothing reported one), for the readable transcript. Never fails the job.
  private async readConversation(): Promise<void> {
    const adapter = adapterFor(this.o.plan.job.agent);
    const id = this.attemptSessionId;
    const fullScreen = adapter.fullScreen?.(this.o.plan.job) === true;
    // Only what it is needed for: a full-screen job's transcript (found by its workdir and start
    // when it was stopped before it said its session id), or a last message nobody reported.
    if (adapter.conversation === undefined || (id === null && !fullScreen) || (!fullScreen && this.lastMessageReported)) return;
    const key = id ?? `started:${this.attemptStartedAt}`;
    const hint = { id, workdir: this.o.plan.job.workdir, startedAt: this.attemptStartedAt };
    const read = await adapter.conversation(this.attemptEnv, hint, this.conversationRead.get(key) ?? null).catch(() => null);
    if (read === null) return;
    this.conversationRead.set(key, read.position);
    for (const entry of read.entries) this.transcriptItems.push({ at: entry.at, kind: 'entry', entry });
    if (read.lastMessage !== null && !this.lastMessageReported) {
      this.o.bus.emit({ type: 'job-facts', at: this.o.clock.now(), job: this.o.plan.job.name, facts: { lastMessage: read.lastMessage } });
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
    this.lastMessageReported = false;
    this.attemptStartedAt = clock.now();
    this.attemptEnv = { ...this.o.env(plan.env), [marker.name]: marker.value };
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
      env: this.attemptEnv,
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
    // A full-screen agent's decoded output is redraw debris: its live line comes from its screen.
    const adapter = adapterFor(job.agent);
    const pick = adapter.fullScreen?.(job) === true ? adapter.screenActivity : undefined;
    if (pick !== undefined) {
      this.o.files.setLiveLine(() => {
        const snap = supervision.lastSnapshot();
        return snap === null ? null : pick(snap);
      });
    }
    return session.start();
  }
}
