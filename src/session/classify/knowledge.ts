/**
 * What one agent's screens look like, as data. Each agent keeps its own next to its adapter
 * (src/agents/codex/screens.ts, src/agents/claude/screens.ts, ...), registered in
 * src/agents/screen-knowledge.ts; the classifier's shared code holds no agent's strings and
 * works without any of this for agents nobody described.
 */
export interface AgentScreenKnowledge {
  /**
   * The agent's own input prompt (composer). When the bottom of the screen shows it, no
   * dialog is open: the agent hides its composer while it asks, so a question above it is
   * an old one, left in the transcript.
   */
  composerHidesDialogs?: RegExp;
  /** Question lines the agent shows without a `?` (matched against the line without its box borders). */
  questions?: RegExp[];
  /** Key hints that, on this agent, appear only inside a dialog (e.g. a `cancel` hint). */
  dialogHints?: RegExp[];
  /** Lines that mean the user's own input field is open (a search box): nothing is asked. */
  userInputLines?: RegExp[];
  /** Lines that mean the agent is busy, beyond the generic spinner and interrupt signs. */
  workingLines?: RegExp[];
}
