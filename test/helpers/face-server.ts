/**
 * A tiny stand-in for the rehearsal model server, to test one agent's RehearsalFace (and the
 * agent itself) before the face is routed by src/rehearsal/model-server.ts: one job, one
 * script, every request recorded. It plays `stall`, `fail-http` and `limit` as the server does
 * and hands every other step and every side request to the face. 127.0.0.1 only; closed by the
 * caller (t.after).
 */
import http from 'node:http';
import type { RehearsalFace } from '../../src/rehearsal/face.js';
import { ScriptCursor } from '../../src/rehearsal/script-cursor.js';
import type { Turn } from '../../src/rehearsal/script.js';

export interface FaceServerRequest {
  kind: string;
  subpath: string;
  turns: number[];
  outcome: 'pending' | 'answered' | 'client-gone';
  body: unknown;
  userTexts: string[];
}

export interface FaceServer {
  /** `http://127.0.0.1:<port>/r/job`: the base URL the agent is given. */
  baseUrl: string;
  requests: FaceServerRequest[];
  close(): Promise<void>;
}

export async function startFaceServer(face: RehearsalFace, turns: readonly Turn[], workdir: string): Promise<FaceServer> {
  const cursor = new ScriptCursor(turns);
  const requests: FaceServerRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let limitedUntil = 0;
  let seq = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const subpath = (req.url ?? '').split('?')[0]?.replace(/^\/r\/job/, '') ?? '';
      if (!face.accepts(req.method ?? '', subpath)) {
        res.writeHead(404).end();
        return;
      }
      const raw = Buffer.concat(chunks);
      const body: unknown = raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'));
      const request = face.inspect(body, req.headers, subpath);
      const record: FaceServerRequest = { kind: request.kind, subpath, turns: [], outcome: 'pending', body, userTexts: face.userTexts(body) };
      requests.push(record);
      res.on('close', () => {
        if (record.outcome === 'pending') record.outcome = 'client-gone';
      });
      const context = { id: String(++seq), jobKey: 'job', bodyBytes: raw.length, now: Date.now(), workdir };
      const done = (): void => {
        if (record.outcome === 'pending') record.outcome = 'answered';
      };
      if (request.kind !== 'turn') {
        face.answerSide(res, request, body, context);
        done();
        return;
      }
      const play = (): void => {
        if (res.destroyed) return;
        if (Date.now() < limitedUntil) {
          const reply = face.usageLimitReply(limitedUntil, Date.now());
          res.writeHead(reply.status, reply.headers).end(reply.body);
          done();
          return;
        }
        const step = cursor.take();
        if (step.kind === 'finished') {
          face.answerStep(res, step, body, subpath, context);
          done();
          return;
        }
        record.turns.push(step.index);
        const turn = step.turn;
        switch (turn.kind) {
          case 'stall': {
            const timer = setTimeout(() => {
              timers.delete(timer);
              play();
            }, turn.ms);
            timers.add(timer);
            return;
          }
          case 'fail-http': {
            const reply = face.errorReply(turn.status, `rehearsal: scripted HTTP ${turn.status}`);
            res.writeHead(reply.status, reply.headers).end(reply.body);
            done();
            return;
          }
          case 'limit': {
            limitedUntil = Date.now() + turn.ms;
            const reply = face.usageLimitReply(limitedUntil, Date.now());
            res.writeHead(reply.status, reply.headers).end(reply.body);
            done();
            return;
          }
          default:
            face.answerStep(res, { kind: 'turn', index: step.index, turn }, body, subpath, context);
            done();
        }
      };
      play();
    });
  });
  server.requestTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    baseUrl: `http://127.0.0.1:${address.port}/r/job`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
