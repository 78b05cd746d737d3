import { describe, expect, it } from 'vitest';
import { accelerometer } from '../streams/motion-parsers.ts';
import { createRowWriter, type ParseContext } from '../streams/rows.ts';
import { walkingOfSamples } from './walking-minutes.ts';

const G = 9.80665;
const T0 = Date.UTC(2026, 10, 22, 15);

const ctx = (os: 1 | 2): ParseContext => ({
  participantId: 7,
  os,
  fileTime: new Date(T0),
  fileStampMs: T0,
  surveyId: undefined,
  uploadId: 1,
  extension: 'csv',
  now: new Date(T0 + 86_400_000),
});

/**
 * A phone in a pocket at 10 Hz: gravity on z, plus a vertical bounce of `amplitudeG` at the step
 * frequency and a small sway on x, in the phone's own unit (Android m/s², iOS g). Samples come in
 * `onS`-second runs separated by `offS` seconds off (the duty cycle), for `totalS` seconds of signal.
 */
function accelerometerFile(
  os: 1 | 2,
  o: { stepHz: number; amplitudeG: number; onS: number; offS: number; totalS: number }
) {
  const unit = os === 1 ? G : 1;
  const lines = ['timestamp,accuracy,x,y,z'];
  for (let run = 0; run * (o.onS + o.offS) < o.totalS; run++) {
    for (let i = 0; i < o.onS * 10; i++) {
      const s = run * (o.onS + o.offS) + i / 10;
      // Phones sample a little unevenly.
      const ms = T0 + Math.round(s * 1000) + ((i * 7) % 5);
      const z = 1 + o.amplitudeG * Math.sin(2 * Math.PI * o.stepHz * s);
      const x = 0.05 * Math.sin(2 * Math.PI * 0.9 * s);
      lines.push(
        `${ms},${os === 1 ? 3 : 'unknown'},${(x * unit).toFixed(5)},${(0.02 * unit).toFixed(5)},${(z * unit).toFixed(5)}`
      );
    }
  }
  return lines.join('\n');
}

const walkingIn = (os: 1 | 2, text: string) => {
  const w = createRowWriter(ctx(os), { keepSamples: true });
  accelerometer(text, ctx(os), w);
  const seconds = walkingOfSamples(w.finish().samples!);
  const steps = seconds.reduce((sum, s) => sum + s.cadence, 0);
  return { walkingS: seconds.length, steps, cadence: seconds.length > 0 ? steps / seconds.length : null };
};

/**
 * Tolerances: oak reports step frequency on a 0.05 Hz grid, and the wavelet's edges can cost a
 * bout's first or last second; so walking time within 2 s of the truth, steps within 2 s' worth,
 * cadence within one grid step.
 */
describe("walking after Forest's oak", () => {
  for (const [name, os] of [
    ['Android (m/s²)', 1],
    ['iOS (g)', 2],
  ] as const) {
    it(`finds a 120 s bout at 1.8 steps/s: 216 steps, on ${name}`, () => {
      const r = walkingIn(os, accelerometerFile(os, { stepHz: 1.8, amplitudeG: 0.4, onS: 120, offS: 0, totalS: 120 }));
      expect(Math.abs(r.walkingS - 120)).toBeLessThanOrEqual(2);
      expect(Math.abs(r.steps - 216)).toBeLessThanOrEqual(2 * 1.8);
      expect(r.cadence).toBeCloseTo(1.8, 1);
      expect(Math.abs(r.cadence! - 1.8)).toBeLessThanOrEqual(0.05);
    });
  }

  it("finds walking in the duty cycle's 10-second windows (10 s on, 10 s off), each window on its own", () => {
    // Five minutes walking at 2.0 steps/s: 15 windows of 10 s, 150 s of signal, 300 steps in it.
    const r = walkingIn(1, accelerometerFile(1, { stepHz: 2, amplitudeG: 0.4, onS: 10, offS: 10, totalS: 300 }));
    expect(Math.abs(r.walkingS - 150)).toBeLessThanOrEqual(15 * 2);
    expect(Math.abs(r.steps - 2 * r.walkingS)).toBeLessThanOrEqual(0.05 * r.walkingS);
  });

  it('finds none in a phone lying still, or moved gently, or shaken faster than anyone steps', () => {
    const still = { stepHz: 1.8, amplitudeG: 0, onS: 10, offS: 10, totalS: 600 };
    expect(walkingIn(1, accelerometerFile(1, still)).walkingS).toBe(0);
    expect(walkingIn(2, accelerometerFile(2, { ...still, amplitudeG: 0.1 })).walkingS).toBe(0);
    expect(walkingIn(1, accelerometerFile(1, { ...still, stepHz: 4, amplitudeG: 0.5 })).walkingS).toBe(0);
  });

  it('finds none in runs shorter than three seconds, however strong', () => {
    expect(
      walkingIn(1, accelerometerFile(1, { stepHz: 1.8, amplitudeG: 0.5, onS: 2, offS: 5, totalS: 120 })).walkingS
    ).toBe(0);
  });
});
