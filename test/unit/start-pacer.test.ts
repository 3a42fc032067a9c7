// The job start pacer: starts keep their order, and at most `perTurn` go ahead per turn of the
// event loop, so the runner reads output and exits between batches of spawns.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StartPacer } from '../../src/run/start-pacer.js';

test('45 starts asked for at once go in order, at most 20 per turn of the event loop', { timeout: 10_000 }, async () => {
  const pacer = new StartPacer(20);
  // Counts turns of the loop: one setImmediate chain, stopped when every start went.
  let turn = 0;
  let done = false;
  const tick = (): void => {
    turn++;
    if (!done) setImmediate(tick);
  };
  setImmediate(tick);
  const started: Array<{ index: number; turn: number }> = [];
  await Promise.all(
    Array.from({ length: 45 }, (_, index) => pacer.turn().then(() => started.push({ index, turn }))),
  );
  done = true;
  assert.deepEqual(
    started.map((s) => s.index),
    Array.from({ length: 45 }, (_, i) => i),
  );
  const perTurn = new Map<number, number>();
  for (const s of started) perTurn.set(s.turn, (perTurn.get(s.turn) ?? 0) + 1);
  assert.deepEqual([...perTurn.values()], [20, 20, 5], `starts per turn: ${JSON.stringify([...perTurn])}`);
});

test('I/O is read between two batches of starts', { timeout: 10_000 }, async () => {
  const pacer = new StartPacer(1);
  const { createServer, connect } = await import('node:net');
  // A real socket on loopback: its data event is I/O of the poll phase.
  const server = createServer((socket) => socket.end('x'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const address = server.address();
    assert.ok(address !== null && typeof address === 'object');
    let received = false;
    const client = connect(address.port, '127.0.0.1');
    client.on('data', () => {
      received = true;
    });
    let starts = 0;
    // Starts one after another: without a turn of the loop between them (a resolved promise)
    // this would run 100,000 times without reading the socket.
    while (!received && starts < 100_000) {
      await pacer.turn();
      starts++;
    }
    client.destroy();
    assert.ok(received, 'the socket was read while starts were waiting for their turn');
  } finally {
    server.close();
  }
});
