/**
 * `resume:`: how often a codex job that died or went idle is resumed by its session id, and
 * with which prompt. The schema checks the shape; this gives the defaults.
 */
import { ok, type Result } from '../util/result.js';
import type { Diagnostic } from './model.js';

/** A job's resume budget and prompt. */
export interface ResumeSpec {
  /** Resumes allowed after the first attempt. */
  max: number;
  prompt: string;
}

export const DEFAULT_RESUME_PROMPT = 'Continue where you stopped; the previous session was interrupted.';

export interface WrittenResume {
  max?: number;
  prompt?: string;
}

export function resolveResume(written: WrittenResume): Result<ResumeSpec, Diagnostic[]> {
  return ok({ max: written.max ?? 1, prompt: written.prompt ?? DEFAULT_RESUME_PROMPT });
}
