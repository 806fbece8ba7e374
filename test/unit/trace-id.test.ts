import { traceHeader } from '../../src/context/trace-id';

describe('traceHeader', () => {
  it("has X-Ray's shape: the epoch second in hex, 96 random bits, a parent of 64", () => {
    const at = Date.UTC(2026, 11, 3, 8, 0, 0);
    const h = traceHeader(at);
    expect(h).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
    expect(h.slice(7, 15)).toBe(Math.floor(at / 1000).toString(16));
  });

  it('never repeats, also across refills of its random pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(traceHeader(0).slice(16)); // 1000 × 20 bytes: several refills
    expect(seen.size).toBe(1000);
  });
});
