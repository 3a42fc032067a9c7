/**
 * Turning a `send:` value into timed keystrokes, and typing them. Text is followed by Enter
 * only after a pause, because TUIs such as Codex take text+Enter arriving together as a
 * paste (Enter becomes a newline); keys are pressed one at a time for the same reason.
 */

import type { Clock, TimerHandle } from '../../util/clock.js';
import { visibleEscapes } from './keys.js';
import type { SendStep } from './policy.js';
import type { SendSpec } from './spec.js';
import { unreachable } from '../../util/unreachable.js';

/** Pauses between keystrokes; the adapter may know better values for its agent. */
export interface SendTiming {
  /** Between text and its Enter. Codex needs about 0.5 s. */
  enterDelayMs: number;
  /** Between two keys of a `keys:` list. */
  keyDelayMs: number;
  /**
   * Before the first step: some TUIs drop keys that arrive the moment a dialog is drawn
   * (codex 0.169 lost a `y` sent at once and took one sent 100 ms later). Default 0.
   */
  answerDelayMs?: number;
}

export const DEFAULT_SEND_TIMING: SendTiming = { enterDelayMs: 500, keyDelayMs: 50 };

/** The timed steps for a send value. */
export function stepsFor(spec: SendSpec, timing: SendTiming): SendStep[] {
  const first = timing.answerDelayMs ?? 0;
  switch (spec.kind) {
    case 'text':
      return spec.enter
        ? [
            { delayMs: first, data: spec.text },
            { delayMs: timing.enterDelayMs, data: '\r' },
          ]
        : [{ delayMs: first, data: spec.text }];
    case 'keys':
      return spec.bytes.map((data, i) => ({ delayMs: i === 0 ? first : timing.keyDelayMs, data }));
    default:
      return unreachable(spec);
  }
}

/** Everything the steps type, escapes visible: the `sent` of an intervention. */
export function visibleSteps(steps: readonly SendStep[]): string {
  return visibleEscapes(steps.map((s) => s.data).join(''));
}

/** A send in progress; `cancel()` drops the steps not yet typed (e.g. when the job stops). */
export interface SendRun {
  cancel(): void;
  readonly done: Promise<void>;
}

/** Types the steps through `write`, waiting on the clock between them. */
export function runSendSteps(steps: readonly SendStep[], write: (data: string) => void, clock: Clock): SendRun {
  let timer: TimerHandle | null = null;
  let cancelled = false;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const runFrom = (i: number): void => {
    timer = null;
    if (cancelled) return;
    const step = steps[i];
    if (step === undefined) {
      finish();
      return;
    }
    const go = (): void => {
      timer = null;
      if (cancelled) return;
      write(step.data);
      runFrom(i + 1);
    };
    if (step.delayMs <= 0) go();
    else timer = clock.setTimeout(go, step.delayMs);
  };
  runFrom(0);
  return {
    cancel: () => {
      cancelled = true;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      finish();
    },
    done,
  };
}
