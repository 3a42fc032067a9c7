/**
 * The vocabulary of the agent-state classifier: what a person looking at an agent's terminal
 * would say it is doing. Shared by the supervisor, the live display, the report, `rules test`,
 * `replay` and the package's public `classifyScreen`.
 */

/** The state of an agent's terminal, as a supervisor must act on it. */
export type AgentScreenState =
  /** A question, menu or confirmation waits for an answer. */
  | 'waiting_input'
  /** The agent is busy (spinner, "esc to interrupt", streaming). */
  | 'working'
  /** The turn is over and the agent sits at its input prompt; nothing is asked. */
  | 'idle_ready'
  /** None of the above (starting, an error screen, a plain program's output). */
  | 'other';

/** One option of a question, with the keys (terminal bytes) that choose it. */
export interface QuestionOption {
  /** The option as shown, without cursor, number or key-hint decoration: `Yes`, `Allow once`. */
  label: string;
  /** The bytes to type to choose it, in order (e.g. `['2']`, `['y', '\r']`, `['\x1b[B', '\r']`). */
  keys: string[];
}

/** What the agent is asking, when it is. */
export interface ScreenQuestion {
  /** The question line(s) as a person reads them, e.g. `Would you like to run the following command?`. */
  text: string;
  options: QuestionOption[];
  /** Row of the question's text line (viewport row for a snapshot, line index for plain text). */
  row?: number;
}

/** The verdict on one screen. */
export interface ScreenVerdict {
  state: AgentScreenState;
  question?: ScreenQuestion;
  /** Why, in a few words (`numbered menu with cursor`, `spinner with "esc to interrupt"`). */
  reason: string;
}

/** Options of {@link classifyScreen}. */
export interface ClassifyOptions {
  /** The agent kind (`codex`, `claude`, `gemini`, ...): adds that agent's known screens. */
  agent?: string;
  cols?: number;
  rows?: number;
  /** Where the cursor is (viewport row and column), when known. */
  cursor?: { row: number; col: number };
}
