/**
 * Words that ask: a line ending in `?`, a request addressed to the user ("Do you want to",
 * "Allow ...?"), waiting wording without a `?` ("Waiting for user confirmation...",
 * "Permission required"), and the words options start with.
 */

/** A line ending in `?`, possibly followed by an answer set: `Continue? [y/n]`, `Apply? (y) (enter)`. */
const QUESTION_END = /\?\s*(?:[[(][^\])]*[\])]\s*)*:?\s*$/;
/** A request the user must grant, at the start of a line (after any glyphs). */
const REQUEST = /^(?:do you|would you|will you|shall i|should i|may i|can i|are you sure|is it ok|ok to|allow|apply|approve|proceed|continue|confirm|run|execute|delete|remove|overwrite|replace|trust|keep|let\s+\S+\s+(?:use|run|edit|write)|save|install|update|create|write|make|accept|use|enable|grant|submit)\b/i;
/** A reply from the agent (a transcript bullet), not a dialog: `⏺ Done. Anything else?`, `assistant: ...`. */
const REPLY = /^(?:[⏺●•✦⎿]|assistant:|>\s)/i;
/** Waiting wording without a question mark. */
const WAITING = new RegExp(
  [
    String.raw`\b(?:waiting|awaiting)\s+(?:for\s+)?(?:the\s+)?(?:user|your|input|approval|confirmation|permission|an?\s+answer)\b`,
    String.raw`\b(?:permission|approval|confirmation|authori[sz]ation|ask_user)\b[\s\]:._-]*(?:\w+\.)?(?:ask|pending|required|requested|needed)\b`,
    String.raw`\bneeds?\s+your\s+(?:input|approval|permission|confirmation|answer)\b`,
    String.raw`\brequires?\s+your\s+(?:input|approval|permission|confirmation)\b`,
    String.raw`\basking\s+(?:the\s+)?user\b`,
    String.raw`\b(?:select|choose|pick)\s+an?\s+(?:option|action|answer)\b`,
  ].join('|'),
  'i',
);
/** Words options start with: `Yes`, `No, and tell ...`, `Allow once`, `Reject`. */
export const OPTION_WORD = /^(?:yes|no|allow|deny|skip|reject|approve|accept|decline|cancel|always|never|once|trust|don['’]t|do not|continue|proceed|abort|retry|ok|okay|keep)\b/i;

/** The line without leading glyphs and bullets (`△ Permission required` -> `Permission required`). */
export function withoutGlyphs(body: string): string {
  return body.replace(/^[^\p{L}\p{N}[(]+/u, '');
}

/**
 * A line that asks to type something and ends in `:` (the cursor after it): `Password:`,
 * `[sudo] password for alice:`, `Enter a number:`, `Your choice:`, inquirer's `? Project name:`
 * (optionally with a default: `? Project name: (my-app)`).
 */
const INPUT_REQUEST = [
  /^\?\s+\S.{0,100}:\s*(?:\([^()]*\))?$/,
  // The prompts library: `? Project name › my-app` (the default or what is typed after `›`).
  /^\?\s+\p{L}.{0,100}?\s›(?:\s.{0,80})?$/u,
  /^(?:\[[^\]]{1,40}\]\s*)?(?:[\p{L}'’-]+\s+){0,4}(?:password|passphrase|passcode|pin|otp|token|username|user name|login|verification code)\b.{0,80}:$/iu,
  /^(?:please\s+)?(?:enter|type|input|choose|select|pick|provide|specify|give)\b.{0,80}:$/i,
  /^(?:your\s+)?(?:choice|selection|answer|option|number|reply)\b[^:]{0,30}:$/i,
];

/** Whether a line asks to type an answer after its `:`. */
export function isInputRequest(body: string): boolean {
  return body.length <= 140 && INPUT_REQUEST.some((re) => re.test(body));
}

export function isQuestionLine(body: string): boolean {
  return QUESTION_END.test(body);
}

/** A question that asks the user to allow or decide something (not a reply's rhetorical question). */
export function isRequest(body: string): boolean {
  return !REPLY.test(body) && REQUEST.test(withoutGlyphs(body));
}

export function isReply(body: string): boolean {
  return REPLY.test(body);
}

export function hasWaitingWording(body: string): boolean {
  return WAITING.test(body);
}
