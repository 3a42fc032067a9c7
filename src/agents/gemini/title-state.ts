/**
 * Gemini CLI's window title (OSC 0), its only machine-readable state (reference README §5,
 * captures/osc_*.txt). Padded with spaces to a fixed width:
 *
 *   `◇  Ready (<folder>)`            idle, waiting for a prompt
 *   `✦  Working… (<folder>)`         a turn runs (also while stalled or retrying)
 *   `✋  Action Required (<folder>)` an approval dialog is open
 *   ``                               empty at exit
 */

/** What a title says; null for a title that is none of these. */
export type GeminiTitleState = 'ready' | 'working' | 'action-required' | 'cleared';

/** The state a window title names, or null. */
export function parseGeminiTitle(title: string): GeminiTitleState | null {
  const text = title.trim();
  if (text === '') return 'cleared';
  if (/^\S*\s*Action Required\b/.test(text)) return 'action-required';
  if (/^\S*\s*Working(?:…|\.\.\.)?(?:\s|$)/.test(text)) return 'working';
  if (/^\S*\s*Ready\b/.test(text)) return 'ready';
  return null;
}
