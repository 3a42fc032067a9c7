/**
 * Watches manifest files and reports each one as `changed` once its writes have settled.
 * The only module that imports chokidar.
 *
 * ```
 *   starting ──chokidar ready──► watching ──close()──► closed
 *       │                                                 ▲
 *       └──────────────────close()────────────────────────┘
 * ```
 * While watching, every add/change/unlink of a file is reported as `seen` and (re)starts that
 * file's debounce timer on the injected clock; when the timer runs out the file is reported
 * as `changed`. Editors that save by writing a temporary file and renaming it over the
 * manifest produce several events; they collapse into one `changed`. chokidar itself drops a
 * repeat `change` of a file within 50 ms of the previous one; that is harmless because the
 * reload reads the file afresh after the debounce, which must therefore stay well above 50 ms.
 */
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Clock, TimerHandle } from '../util/clock.js';
import { unreachable } from '../util/unreachable.js';

/** What the watcher reports. */
export type WatcherEvent =
  /** Raw file-system activity on a manifest (before debouncing). */
  | { type: 'seen'; file: string; change: 'add' | 'change' | 'unlink' }
  /** The file's writes have settled: time to reload it. */
  | { type: 'changed'; file: string }
  | { type: 'error'; message: string };

export interface WatchOptions {
  clock: Clock;
  /** Quiet time after the last write before `changed`; the clock's milliseconds. */
  debounceMs: number;
  onEvent: (event: WatcherEvent) => void;
}

/** A running watcher. */
export interface ManifestWatcher {
  /** Resolves once the files are being watched: edits made after this are seen. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/** The factory the daemon is given, so tests can observe or replace the watcher. */
export type WatchManifests = (files: string[], options: WatchOptions) => ManifestWatcher;

type WatcherState = { kind: 'starting' } | { kind: 'watching' } | { kind: 'closed' };

/** Starts watching `files` (paths as the caller names them; events use the same spelling). */
export const watchManifests: WatchManifests = (files, options) => {
  const byAbsolute = new Map(files.map((file) => [path.resolve(file), file] as const));
  const debounce = new Map<string, TimerHandle>();
  let state: WatcherState = { kind: 'starting' };
  const fsWatcher: FSWatcher = watch([...byAbsolute.keys()], { ignoreInitial: true, persistent: true });

  const onFileEvent = (change: 'add' | 'change' | 'unlink', changedPath: string): void => {
    if (state.kind === 'closed') return;
    const file = byAbsolute.get(path.resolve(changedPath));
    if (file === undefined) return;
    options.onEvent({ type: 'seen', file, change });
    const previous = debounce.get(file);
    if (previous !== undefined) options.clock.clearTimeout(previous);
    debounce.set(
      file,
      options.clock.setTimeout(() => {
        debounce.delete(file);
        if (state.kind !== 'closed') options.onEvent({ type: 'changed', file });
      }, options.debounceMs),
    );
  };
  fsWatcher.on('add', (p) => onFileEvent('add', p));
  fsWatcher.on('change', (p) => onFileEvent('change', p));
  fsWatcher.on('unlink', (p) => onFileEvent('unlink', p));
  fsWatcher.on('error', (cause) => {
    if (state.kind !== 'closed') options.onEvent({ type: 'error', message: `watching manifests: ${String(cause)}` });
  });
  let markReady = (): void => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  fsWatcher.once('ready', () => {
    if (state.kind === 'starting') state = { kind: 'watching' };
    markReady();
  });

  return {
    ready,
    close: async () => {
      switch (state.kind) {
        case 'starting':
        case 'watching':
          state = { kind: 'closed' };
          for (const handle of debounce.values()) options.clock.clearTimeout(handle);
          debounce.clear();
          markReady();
          await fsWatcher.close();
          return;
        case 'closed':
          return;
        default:
          unreachable(state);
      }
    },
  };
};
