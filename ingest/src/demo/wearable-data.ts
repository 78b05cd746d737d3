import type { GoogleHealthData } from '../test/provider-simulators/google-health-data.ts';
import { googleHealthData } from '../test/provider-simulators/google-health-data.ts';
import type { PolarData } from '../test/provider-simulators/polar-data.ts';
import { polarData } from '../test/provider-simulators/polar-data.ts';
import type { WithingsData } from '../test/provider-simulators/withings-data.ts';
type WithingsUserData = ReturnType<WithingsData['user']>;
import { withingsData } from '../test/provider-simulators/withings-data.ts';
import { createPrng, type Prng } from '../test/phone-emulator/prng.ts';
import { localToUtc, offsetMinutes } from '../wearables/time.ts';

/**
 * Synthetic but plausible wearable data in each vendor's own API shapes, served by the provider
 * simulators so that the real pull code turns it into rows: a Fitbit (heart rate every 15 s,
 * per-minute steps, staged sleep, resting HR, SpO2, HRV, the daily breathing, SpO2, HRV, skin
 * temperature and VO2 max summaries, the longest walk as an exercise), Withings devices (a morning
 * weigh-in most days; each day a blood pressure with pulse, the watch's SpO2, skin temperature and
 * VO2 max, an ECG, a lunchtime walk) and a Polar watch (5-minute continuous HR, daily activity with per-minute steps,
 * hypnograms, runs). Every day is drawn from a generator seeded by the account and the date, so
 * re-reads of overlapping windows see the same points. Nothing is served from the future.
 */

export type SyntheticOptions = { timeZone: string; from: Date; now: () => Date; seed?: string };

type Stage = 'AWAKE' | 'LIGHT' | 'DEEP' | 'REM';
type Night = { start: number; end: number; stages: { stage: Stage; start: number; end: number }[] };
type Day = { date: string; night: Night; walking: Map<number, number>; restingBpm: number };

const MINUTE = 60_000;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
const addDays = (date: string, n: number) => new Date(Date.parse(date) + n * DAY).toISOString().slice(0, 10);
const offsetText = (min: number) => `${min * 60}s`;

function localClock(ms: number, tz: string): string {
  return new Date(ms + offsetMinutes(tz, new Date(ms)) * MINUTE).toISOString().slice(11, 19);
}

function isoWithOffset(ms: number, tz: string): string {
  const off = offsetMinutes(tz, new Date(ms));
  const sign = off < 0 ? '-' : '+';
  const hh = String(Math.floor(Math.abs(off) / 60)).padStart(2, '0');
  const mm = String(Math.abs(off) % 60).padStart(2, '0');
  return `${new Date(ms + off * MINUTE).toISOString().slice(0, 19)}${sign}${hh}:${mm}`;
}

/** The night that ends on the morning of local `date`: 90-minute cycles, deep sleep early, REM late. */
function nightBefore(rng: Prng, date: string, tz: string): Night {
  const start = localToUtc(`${addDays(date, -1)}T22:30`, tz).getTime() + Math.round(rng.normal(30, 25)) * MINUTE;
  const end = start + Math.round(rng.normal(450, 35)) * MINUTE;
  const stages: Night['stages'] = [];
  let t = start;
  const push = (stage: Stage, minutes: number) => {
    const stop = Math.min(end, t + Math.max(2, Math.round(minutes)) * MINUTE);
    if (stop > t) stages.push({ stage, start: t, end: stop });
    t = stop;
  };
  push('AWAKE', rng.between(3, 12));
  for (let cycle = 0; t < end; cycle++) {
    push('LIGHT', rng.between(20, 40));
    push('DEEP', Math.max(5, rng.normal(35 - cycle * 7, 6)));
    push('LIGHT', rng.between(10, 20));
    push('REM', rng.between(10, 18) + cycle * 6);
    if (rng.chance(0.35)) push('AWAKE', rng.between(2, 8));
  }
  return { start, end, stages };
}

/** Steps per local minute (keyed by the minute's UTC start) while awake: walks, errands, a commute. */
function walkingOf(rng: Prng, date: string, tz: string, wake: number, bed: number): Map<number, number> {
  const walking = new Map<number, number>();
  const dayStart = localToUtc(`${date}T00:00`, tz).getTime();
  const bouts = rng.int(6, 14);
  for (let b = 0; b < bouts; b++) {
    const first = Math.floor((wake + rng.next() * (bed - wake)) / MINUTE) * MINUTE;
    const length = rng.int(3, b === 0 ? 45 : 25);
    const cadence = rng.between(70, 115);
    for (let m = 0; m < length; m++) {
      const at = first + m * MINUTE;
      if (at >= dayStart + DAY || at >= bed) break;
      walking.set(at, Math.max(1, Math.round(rng.normal(cadence, 12))));
    }
  }
  return walking;
}

function dayOf(seed: string, date: string, tz: string): Day {
  const rng = createPrng(`${seed}/${date}`);
  const night = nightBefore(rng.fork('night'), date, tz);
  const nextNight = nightBefore(createPrng(`${seed}/${addDays(date, 1)}`).fork('night'), addDays(date, 1), tz);
  return {
    date,
    night,
    walking: walkingOf(rng.fork('walk'), date, tz, night.end, nextNight.start),
    restingBpm: Math.round(rng.normal(58, 2.5)),
  };
}

function createDays(seed: string, tz: string) {
  const cache = new Map<string, Day>();
  return (account: string, date: string) => {
    const key = `${account}|${date}`;
    let day = cache.get(key);
    if (!day) cache.set(key, (day = dayOf(`${seed}/${account}`, date, tz)));
    return day;
  };
}

function localDatesBetween(fromMs: number, toMs: number, tz: string): string[] {
  const out: string[] = [];
  const first = new Date(fromMs + offsetMinutes(tz, new Date(fromMs)) * MINUTE).toISOString().slice(0, 10);
  for (let d = first; localToUtc(`${d}T00:00`, tz).getTime() < toMs; d = addDays(d, 1)) out.push(d);
  return out;
}

/** The longest run of consecutive walking minutes, with its steps. */
function longestBout(walking: Map<number, number>): { start: number; end: number; steps: number } | undefined {
  let best: { start: number; end: number; steps: number } | undefined;
  for (const [at] of [...walking].sort(([a], [b]) => a - b)) {
    if (walking.has(at - MINUTE)) continue;
    let end = at;
    let steps = 0;
    for (; walking.has(end); end += MINUTE) steps += walking.get(end)!;
    if (!best || end - at > best.end - best.start) best = { start: at, end, steps };
  }
  return best;
}

const civilDate = (date: string) => {
  const [year, month, day] = date.split('-').map(Number);
  return { year, month, day };
};

function bpmAt(day: Day, at: number, rng: Prng): number {
  const asleep = at >= day.night.start && at < day.night.end;
  const minute = Math.floor(at / MINUTE) * MINUTE;
  const walking = day.walking.get(minute);
  const base = asleep ? day.restingBpm - 3 : walking ? day.restingBpm + 30 + walking / 6 : day.restingBpm + 14;
  return Math.max(40, Math.round(base + rng.normal(0, asleep ? 2 : 4)));
}

export type SyntheticWearables = {
  fitbit: GoogleHealthData;
  withings: WithingsData;
  polar: PolarData;
};

export function syntheticWearables(opts: SyntheticOptions): SyntheticWearables {
  const tz = opts.timeZone;
  const seed = opts.seed ?? 'vigil-demo';
  const days = createDays(seed, tz);
  const span = () => localDatesBetween(opts.from.getTime(), opts.now().getTime(), tz);
  const past = (ms: number) => ms >= opts.from.getTime() && ms <= opts.now().getTime();
  /** A pull reads an account many times a minute; its data only changes as the clock moves on. */
  const perMinute = <T>(make: (user: string) => T) => {
    const cache = new Map<string, { minute: number; data: T }>();
    return (user: string): T => {
      const minute = Math.floor(opts.now().getTime() / MINUTE);
      const hit = cache.get(user);
      if (hit?.minute === minute) return hit.data;
      const data = make(user);
      cache.set(user, { minute, data });
      return data;
    };
  };

  const fitbit = googleHealthData();
  const device = { platform: 'FITBIT', recordingMethod: 'PASSIVELY_MEASURED', device: { displayName: 'Charge 6' } };
  const derived = { platform: 'FITBIT', recordingMethod: 'DERIVED', device: { displayName: 'Charge 6' } };
  const sample = (ms: number) => ({ physicalTime: iso(ms), utcOffset: offsetText(offsetMinutes(tz, new Date(ms))) });
  const interval = (start: number, end: number) => ({
    startTime: iso(start),
    endTime: iso(end),
    startUtcOffset: offsetText(offsetMinutes(tz, new Date(start))),
    endUtcOffset: offsetText(offsetMinutes(tz, new Date(end))),
  });
  /** A day's points of a type, each with the instant the simulator filters it on. */
  const fitbitDay = (user: string, type: string, day: Day): [number, Record<string, unknown>][] => {
    const rng = createPrng(`${seed}/${user}/${type}/${day.date}`);
    const dayStart = localToUtc(`${day.date}T00:00`, tz).getTime();
    const { night } = day;
    switch (type) {
      case 'heart-rate': {
        const out = [];
        // Off the wrist for a shower and a charge every day.
        const off = dayStart + rng.int(7 * 60, 20 * 60) * MINUTE;
        for (let t = dayStart; t < dayStart + DAY; t += 15_000) {
          if (t >= off && t < off + 50 * MINUTE) continue;
          out.push([
            t,
            { dataSource: device, heartRate: { beatsPerMinute: String(bpmAt(day, t, rng)), sampleTime: sample(t) } },
          ] as [number, Record<string, unknown>]);
        }
        return out;
      }
      case 'steps':
        return [...day.walking].map(([at, count]) => [
          at,
          { dataSource: device, steps: { count: String(count), interval: interval(at, at + MINUTE) } },
        ]);
      case 'daily-resting-heart-rate': {
        const [year, month, d] = day.date.split('-').map(Number);
        const point = { year, month, day: d };
        return [
          [
            dayStart,
            { dataSource: derived, dailyRestingHeartRate: { date: point, beatsPerMinute: String(day.restingBpm) } },
          ],
        ];
      }
      case 'sleep': {
        const minutes = (s: Stage) =>
          Math.round(night.stages.filter((x) => x.stage === s).reduce((n, x) => n + x.end - x.start, 0) / MINUTE);
        return [
          [
            night.end,
            {
              name: `users/me/dataTypes/sleep/dataPoints/${user}-${day.date}`,
              dataSource: derived,
              sleep: {
                type: 'STAGES',
                interval: interval(night.start, night.end),
                stages: night.stages.map((s) => ({ type: s.stage, ...interval(s.start, s.end) })),
                summary: {
                  minutesAsleep: String(minutes('LIGHT') + minutes('DEEP') + minutes('REM')),
                  minutesAwake: String(minutes('AWAKE')),
                  stagesSummary: (['LIGHT', 'DEEP', 'REM'] as const).map((s) => ({
                    type: s,
                    minutes: String(minutes(s)),
                  })),
                },
              },
            },
          ],
        ];
      }
      case 'oxygen-saturation':
        return [
          [
            night.end - 30 * MINUTE,
            {
              dataSource: device,
              oxygenSaturation: {
                percentage: Math.round(rng.normal(96, 1) * 10) / 10,
                sampleTime: sample(night.end - 30 * MINUTE),
              },
            },
          ],
        ];
      case 'heart-rate-variability': {
        const rmssd = Math.round(rng.normal(42, 6) * 100) / 100;
        return [
          [
            night.end - 20 * MINUTE,
            {
              dataSource: device,
              heartRateVariability: {
                rootMeanSquareOfSuccessiveDifferencesMilliseconds: rmssd,
                standardDeviationMilliseconds: Math.round(rmssd * 1.3 * 100) / 100,
                sampleTime: sample(night.end - 20 * MINUTE),
              },
            },
          ],
        ];
      }
      case 'respiratory-rate-sleep-summary': {
        const breaths = Math.round(rng.normal(15, 0.8) * 10) / 10;
        return [
          [
            night.end,
            {
              dataSource: derived,
              respiratoryRateSleepSummary: {
                sampleTime: sample(night.end),
                fullSleepStats: { breathsPerMinute: breaths },
                deepSleepStats: { breathsPerMinute: Math.round((breaths - 1) * 10) / 10 },
                lightSleepStats: { breathsPerMinute: breaths },
                remSleepStats: { breathsPerMinute: Math.round((breaths + 1) * 10) / 10 },
              },
            },
          ],
        ];
      }
      // The daily summaries are dated by the morning the night ends and appear once the patient is up.
      case 'daily-respiratory-rate':
        return [
          [
            night.end,
            {
              dataSource: derived,
              dailyRespiratoryRate: {
                date: civilDate(day.date),
                breathsPerMinute: Math.round(rng.normal(15, 0.8) * 10) / 10,
              },
            },
          ],
        ];
      case 'daily-oxygen-saturation': {
        const avg = Math.round(rng.normal(96, 0.7) * 10) / 10;
        return [
          [
            night.end,
            {
              dataSource: derived,
              dailyOxygenSaturation: {
                date: civilDate(day.date),
                averagePercentage: avg,
                lowerBoundPercentage: Math.round((avg - 2.5) * 10) / 10,
                upperBoundPercentage: Math.min(100, Math.round((avg + 2) * 10) / 10),
                standardDeviationPercentage: 0.6,
              },
            },
          ],
        ];
      }
      case 'daily-heart-rate-variability': {
        const rmssd = Math.round(rng.normal(40, 5) * 10) / 10;
        return [
          [
            night.end,
            {
              dataSource: derived,
              dailyHeartRateVariability: {
                date: civilDate(day.date),
                averageHeartRateVariabilityMilliseconds: rmssd,
                deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds: Math.round((rmssd + 3) * 10) / 10,
                entropy: 2.8,
                nonRemHeartRateBeatsPerMinute: String(day.restingBpm - 2),
              },
            },
          ],
        ];
      }
      case 'daily-sleep-temperature-derivations':
        return [
          [
            night.end,
            {
              dataSource: derived,
              dailySleepTemperatureDerivations: {
                date: civilDate(day.date),
                nightlyTemperatureCelsius: Math.round(rng.normal(34.2, 0.3) * 100) / 100,
                baselineTemperatureCelsius: 34.2,
                relativeNightlyStddev30dCelsius: 0.3,
              },
            },
          ],
        ];
      case 'daily-vo2-max':
        return [
          [
            night.end,
            {
              dataSource: derived,
              dailyVo2Max: {
                date: civilDate(day.date),
                vo2Max: Math.round(rng.normal(43, 0.5) * 10) / 10,
                cardioFitnessLevel: 'GOOD',
                estimated: true,
              },
            },
          ],
        ];
      case 'exercise': {
        // The day's longest walk, as the tracker's automatic exercise recognition finds it.
        const bout = longestBout(day.walking);
        if (!bout || bout.end - bout.start < 10 * MINUTE) return [];
        const offset = offsetMinutes(tz, new Date(bout.start));
        const civil = (ms: number) => {
          const local = new Date(ms + offset * MINUTE);
          return {
            date: civilDate(local.toISOString().slice(0, 10)),
            time: { hours: local.getUTCHours(), minutes: local.getUTCMinutes() },
          };
        };
        return [
          [
            bout.start,
            {
              name: `users/me/dataTypes/exercise/dataPoints/${user}-walk-${day.date}`,
              dataSource: device,
              exercise: {
                displayName: 'Walk',
                exerciseType: 'WALKING',
                interval: {
                  ...interval(bout.start, bout.end),
                  civilStartTime: civil(bout.start),
                  civilEndTime: civil(bout.end),
                },
                activeDuration: `${(bout.end - bout.start) / 1000}s`,
                metricsSummary: {
                  caloriesKcal: Math.round(bout.steps * 0.045),
                  distanceMillimeters: bout.steps * 720,
                  averageHeartRateBeatsPerMinute: String(day.restingBpm + 40),
                },
              },
            },
          ],
        ];
      }
      default:
        return [];
    }
  };
  const fitbitDays = new Map<string, [number, Record<string, unknown>][]>();
  fitbit.generate = (user, type, from, to) =>
    // The simulator applies the request's filter; a day either side covers local dates and nights.
    localDatesBetween(Date.parse(from) - DAY, Date.parse(to) + 2 * DAY, tz).flatMap((date) => {
      const key = `${user}|${type}|${date}`;
      let points = fitbitDays.get(key);
      if (!points) fitbitDays.set(key, (points = fitbitDay(user, type, days(user, date))));
      return points.filter(([at]) => past(at)).map(([, p]) => p);
    });

  const withings = withingsData();
  withings.generate = perMinute((user) => {
    const rng = createPrng(`${seed}/${user}/withings`);
    let kg = rng.between(62, 95);
    const measuregrps = span().flatMap((date, i) => {
      kg += rng.normal(-0.02, 0.25);
      if (rng.chance(0.15)) return [];
      const at = Math.floor((days(user, date).night.end + rng.int(10, 40) * MINUTE) / 1000);
      if (!past(at * 1000)) return [];
      const measures = [
        { value: Math.round(kg * 1000), type: 1, unit: -3 },
        { value: Math.round(rng.normal(22, 0.6) * 100), type: 6, unit: -2 },
        { value: Math.round(rng.normal(66, 5)), type: 11, unit: 0 },
      ];
      return [
        {
          grpid: i + 1,
          attrib: 0,
          date: at,
          created: at,
          modified: at,
          category: 1,
          deviceid: `scale-${user}`,
          model: 'Body Cardio',
          measures,
        },
      ];
    });
    // Every day, so that even a few days show each: a morning blood pressure (with its pulse), the
    // watch's night (SpO2, skin temperature, VO2 max), an ECG in the evening and a lunchtime walk.
    const heart: WithingsUserData['heart'] = [];
    const signals: WithingsUserData['signals'] = {};
    const workouts: WithingsUserData['workouts'] = [];
    span().forEach((date, i) => {
      const day = days(user, date);
      const dayRng = createPrng(`${seed}/${user}/withings/${date}`);
      const group = (at: number, model: string, grpid: number, values: [number, number, number][]) => ({
        grpid,
        attrib: 0,
        date: at,
        created: at,
        modified: at,
        category: 1,
        deviceid: `${model}-${user}`,
        model,
        measures: values.map(([type, value, unit]) => ({ type, value, unit })),
      });
      const bp = Math.floor((day.night.end + 15 * MINUTE) / 1000);
      if (past(bp * 1000)) {
        const systolic = Math.round(dayRng.normal(124, 6));
        measuregrps.push(
          group(bp, 'BPM Connect', 10_000 + i, [
            [10, systolic, 0],
            [9, Math.round(systolic * 0.65 + dayRng.normal(0, 3)), 0],
            [11, day.restingBpm + dayRng.int(2, 8), 0],
          ])
        );
      }
      const wake = Math.floor((day.night.end - 5 * MINUTE) / 1000);
      if (past(wake * 1000)) {
        measuregrps.push(
          group(wake, 'ScanWatch', 20_000 + i, [
            [54, Math.round(dayRng.normal(96.5, 0.8)), 0],
            [73, Math.round(dayRng.normal(33.9, 0.3) * 100), -2],
            [123, Math.round(dayRng.normal(41, 0.4) * 10), -1],
          ])
        );
      }
      const ecg = Math.floor((localToUtc(`${date}T19:00`, tz).getTime() + dayRng.int(0, 60) * MINUTE) / 1000);
      if (past(ecg * 1000)) {
        // The classifications in turn (0 negative, 1 AFib, 2 inconclusive): a short window shows each.
        const afib = i % 3;
        const signalid = 50_000 + i;
        const bpm = day.restingBpm + 12;
        heart.push({
          deviceid: `ecg-${user}`,
          model: 91,
          ecg: { signalid, afib },
          heart_rate: bpm,
          timestamp: ecg,
          modified: ecg + 60,
        });
        signals[String(signalid)] = {
          signal: Array.from({ length: 30 }, (_, k) => Math.round(300 * Math.sin(k / 2) * (k % 10 === 0 ? 3 : 1))),
          sampling_frequency: 300,
          wearposition: 1,
          model: 91,
          heart_rate: bpm,
        };
      }
      const start = Math.floor((localToUtc(`${date}T12:30`, tz).getTime() + dayRng.int(0, 30) * MINUTE) / 1000);
      const minutes = dayRng.int(20, 40);
      const end = start + minutes * 60;
      if (past(end * 1000 + 10 * MINUTE)) {
        workouts.push({
          id: 70_000 + i,
          category: 1,
          timezone: tz,
          model: 93,
          attrib: 7,
          startdate: start,
          enddate: end,
          date,
          modified: end + 600,
          deviceid: `scanwatch-${user}`,
          data: {
            calories: minutes * 5,
            distance: minutes * 80,
            steps: minutes * 105,
            hr_average: day.restingBpm + 35,
            hr_max: day.restingBpm + 55,
          },
        });
      }
    });
    return { timezone: tz, measuregrps, nights: [], segments: [], heart, signals, workouts };
  });

  const polar = polarData();
  polar.generate = perMinute((user) => {
    const account = `${user}-polar`;
    const rng = createPrng(`${seed}/${account}`);
    const activities: Record<string, unknown>[] = [];
    const continuousHr = new Map<string, Record<string, unknown>>();
    const sleep = new Map<string, Record<string, unknown>>();
    const exercises: Record<string, unknown>[] = [];
    const hypnogram: Record<Stage, number> = { AWAKE: 0, REM: 1, LIGHT: 2, DEEP: 4 };
    for (const date of span()) {
      const day = days(account, date);
      const dayStart = localToUtc(`${date}T00:00`, tz).getTime();
      const hrRng = rng.fork(`hr/${date}`);
      const samples = [];
      for (let t = dayStart; t < dayStart + DAY && past(t); t += 5 * MINUTE) {
        samples.push({ heart_rate: bpmAt(day, t, hrRng), sample_time: localClock(t, tz) });
      }
      if (samples.length > 0) continuousHr.set(date, { polar_user: user, date, heart_rate_samples: samples });
      const steps = [...day.walking].filter(([at]) => past(at));
      const minutesSoFar = Array.from({ length: DAY / MINUTE }, (_, k) => dayStart + k * MINUTE).filter((at) =>
        past(at)
      );
      const total = steps.reduce((n, [, s]) => n + s, 0);
      activities.push({
        start_time: `${date}T00:00:00`,
        end_time: `${date}T23:59:59`,
        active_duration: `PT${Math.floor(steps.length / 60)}H${steps.length % 60}M`,
        calories: Math.round(1900 + total * 0.04),
        steps: total,
        distance_from_steps: Math.round(total * 0.72 * 100) / 100,
        samples: {
          date,
          steps: {
            interval_ms: 60_000,
            total_steps: total,
            // Every minute so far, still ones included: Polar leaves out only repeats of the count
            // before (the simulator filters them), so a missing minute would mean the walk went on.
            samples: minutesSoFar.map((at) => ({
              steps: day.walking.get(at) ?? 0,
              timestamp: `${date}T${localClock(at, tz).slice(0, 5)}`,
            })),
          },
        },
      });
      const { night } = day;
      if (past(night.end)) {
        const seconds = (s: Stage) =>
          night.stages.filter((x) => x.stage === s).reduce((n, x) => n + x.end - x.start, 0) / 1000;
        sleep.set(date, {
          polar_user: user,
          date,
          device_id: `ignite-${user}`,
          sleep_start_time: isoWithOffset(night.start, tz),
          sleep_end_time: isoWithOffset(night.end, tz),
          light_sleep: seconds('LIGHT'),
          deep_sleep: seconds('DEEP'),
          rem_sleep: seconds('REM'),
          unrecognized_sleep_stage: 0,
          total_interruption_duration: seconds('AWAKE'),
          sleep_score: Math.round(rng.normal(78, 6)),
          hypnogram: Object.fromEntries(
            night.stages.map((s) => [localClock(s.start, tz).slice(0, 5), hypnogram[s.stage]])
          ),
          heart_rate_samples: Object.fromEntries(
            night.stages.map((s) => [localClock(s.start, tz).slice(0, 5), day.restingBpm - 3 + rng.int(-2, 3)])
          ),
        });
      }
      if (rng.chance(0.4)) {
        const start = localToUtc(`${date}T18:00`, tz).getTime() + rng.int(0, 90) * MINUTE;
        const minutes = rng.int(25, 50);
        if (!past(start + (minutes + 10) * MINUTE)) continue;
        const hr = Array.from({ length: (minutes * 60) / 5 }, (_, i) =>
          Math.round(120 + 30 * Math.min(1, i / 60) + rng.normal(0, 4))
        );
        const offset = offsetMinutes(tz, new Date(start));
        exercises.push({
          id: `${user}-${date}`,
          upload_time: new Date(start + (minutes + 10) * MINUTE).toISOString(),
          device: 'Polar Ignite 3',
          device_id: `ignite-${user}`,
          start_time: new Date(start + offset * MINUTE).toISOString().slice(0, 19),
          start_time_utc_offset: offset,
          duration: `PT${minutes}M`,
          calories: minutes * 11,
          distance: minutes * 170,
          heart_rate: { average: Math.round(hr.reduce((a, b) => a + b, 0) / hr.length), maximum: Math.max(...hr) },
          sport: 'RUNNING',
          heart_rate_zones: [
            { index: 2, 'lower-limit': 114, 'upper-limit': 133, 'in-zone': `PT${Math.floor(minutes / 3)}M` },
            { index: 3, 'lower-limit': 133, 'upper-limit': 152, 'in-zone': `PT${minutes - Math.floor(minutes / 3)}M` },
          ],
          samples: [{ 'recording-rate': 5, 'sample-type': '0', data: hr.join(',') }],
        });
      }
    }
    return { exercises, activities, continuousHr, sleep };
  });
  return { fitbit, withings, polar };
}
