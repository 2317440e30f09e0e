/** Polls cond every 20 ms until it holds; throws after ms (a hang guard, not a speed check). */
export async function waitFor(cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  for (const t0 = Date.now(); Date.now() - t0 < ms; await sleep(20)) if (await cond()) return;
  throw new Error('timed out waiting');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
