// The client's priority queue: a reader's request goes ahead of scheduled and
// backfill work already waiting, over the same single connection, and the
// pause between any two requests stays at least ARXIV_DELAY_MS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness } from './harness.ts';

test('reader before scheduled before backfill; one request at a time, spaced by delayMs', async () => {
  const h = await harness({}, { delayMs: 150 });
  try {
    const url = (id: string) => `${h.server.env.ARXIV_API_URL}?id_list=${id}`;
    const order: string[] = [];
    const ask = (tag: string, priority: 'reader' | 'scheduled' | 'backfill') =>
      h.client.get(url(tag === 'r' ? '1605.08386' : '1707.08567'), () => order.push(`${tag}`), tag, { priority });
    const first = ask('s1', 'scheduled'); // starts at once
    const rest = [ask('b1', 'backfill'), ask('s2', 'scheduled'), ask('s3', 'scheduled'), ask('r', 'reader')];
    assert.deepEqual(h.client.queued(), { reader: 1, scheduled: 2, backfill: 1 });
    await Promise.all([first, ...rest]);
    assert.deepEqual(order, ['s1', 'r', 's2', 's3', 'b1']);
    const at = h.server.requests.map((r) => r.at);
    for (let i = 1; i < at.length; i++) assert.ok(at[i] - at[i - 1] >= 145, `gap ${i}: ${at[i] - at[i - 1]} ms`);
  } finally {
    await h.close();
  }
});
