/**
 * The daemon log: one line per scheduler event (fire, skip, reload, error, ...), written to
 * stderr and appended to `<runs root>/schedule.log` (0600). Diagnostics of a failed reload
 * follow their line, indented, so the file stays greppable by event.
 */
import fs from 'node:fs';
import path from 'node:path';
import { err, ok, type Result } from '../util/result.js';
import { unreachable } from '../util/unreachable.js';
import type { DaemonEvent, JobRef } from './daemon-events.js';
import { makeDirsSync } from '../util/make-dirs.js';

export const DAEMON_LOG_NAME = 'schedule.log';

/** Where log text goes besides the file (the CLI passes process.stderr). */
export interface TextSink {
  write(text: string): unknown;
}

/** The log text of one event, ending in a newline. Times are UTC ISO-8601. */
export function formatDaemonEvent(event: DaemonEvent): string {
  const head = `${iso(event.at)} ${event.type}`;
  switch (event.type) {
    case 'started': {
      const jobs = event.jobs.map((j) => `${name(j)} next ${j.nextFire === null ? 'never' : iso(j.nextFire)}`);
      return `${head} mode=${event.mode} jobs=${event.jobs.length}${jobs.map((j) => `\n  ${j}`).join('')}\n`;
    }
    case 'fire':
      return `${head} ${name(event)} fired-at=${iso(event.firedAt)} trigger=${event.trigger} workdir=${event.workdir}\n`;
    case 'queued':
      return `${head} ${name(event)} fired-at=${iso(event.firedAt)} reason=${event.reason}: ${event.detail}\n`;
    case 'skip':
      return `${head} ${name(event)} fired-at=${iso(event.firedAt)} reason=${event.reason}: ${event.detail}\n`;
    case 'run-finished':
      return `${head} ${name(event)} fired-at=${iso(event.firedAt)} status=${event.status} run=${event.runDir}\n`;
    case 'lock-recovered':
      return `${head} ${event.workdir}: removed a stale lock of ${event.stalePid === null ? 'an unreadable owner' : `pid ${event.stalePid}`}\n`;
    case 'reload-ok':
      return `${head} ${event.file} added=[${event.added.join(',')}] removed=[${event.removed.join(',')}] changed=[${event.changed.join(',')}]\n`;
    case 'reload-failed':
      return `${head} ${event.file}: kept the previous schedule\n${indent(event.diagnostics)}`;
    case 'error':
      return `${head}${event.job === null ? '' : ` ${name(event.job)}`}: ${event.message}\n`;
    case 'stopped':
      return `${head}\n`;
    default:
      return unreachable(event);
  }
}

/** Writes daemon events to a sink and the log file. */
export class DaemonLogWriter {
  private fd: number | null;

  private constructor(
    fd: number,
    private readonly sink: TextSink | null,
    readonly file: string,
  ) {
    this.fd = fd;
  }

  /** Opens (appends to) `<runsRoot>/schedule.log`, creating it 0600 and the folder 0700. */
  static open(runsRoot: string, sink: TextSink | null): Result<DaemonLogWriter, string> {
    const file = path.join(runsRoot, DAEMON_LOG_NAME);
    try {
      makeDirsSync(runsRoot, 0o700);
      const fd = fs.openSync(file, 'a', 0o600);
      // The mode above applies only to a new file; an older, looser file is tightened.
      fs.fchmodSync(fd, 0o600);
      return ok(new DaemonLogWriter(fd, sink, file));
    } catch (cause) {
      return err(`cannot open ${file}: ${(cause as Error).message}`);
    }
  }

  /** Use as the daemon's `onEvent`. A failing file write is reported once on the sink and the file is dropped. */
  readonly write = (event: DaemonEvent): void => {
    const text = formatDaemonEvent(event);
    this.sink?.write(text);
    if (this.fd === null) return;
    try {
      fs.writeSync(this.fd, text);
    } catch (cause) {
      this.sink?.write(`${iso(event.at)} error: cannot write ${this.file}: ${(cause as Error).message}; logging to stderr only\n`);
      this.close();
    }
  };

  close(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd);
    this.fd = null;
  }
}

function name(ref: JobRef): string {
  return `${ref.job} (${ref.manifest})`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => `  ${line}\n`)
    .join('');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
