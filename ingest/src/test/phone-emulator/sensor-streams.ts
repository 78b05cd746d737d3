import { javaFixed16, javaFloatFixed16, swiftDouble } from './number-format.ts';
import type { StreamContext } from './stream-context.ts';
import type { TimedRows } from './timeline.ts';
import { emptyRows, onPeriods, sampleTimes } from './timeline.ts';

/**
 * Duty-cycled sensor rows (specs/beiwe-protocol.md §4.2). Android writes float sensor values with
 * Java `%.16f` (AccelerometerListener, GyroscopeListener, GPSListener); iOS writes Swift
 * `String(Double)` (Accelerometer/Gyro/Magnetometer/DeviceMotion/GPSManager).
 */

const STANDARD_GRAVITY = 9.80665;

/** Android: m/s² with gravity, accuracy `unknown` until the first onAccuracyChanged. iOS: g, accuracy always `unknown`. */
export function accelerometerRows(ctx: StreamContext): TimedRows {
  const { os, random, settings } = ctx;
  const out = emptyRows();
  const scale = os === 'android' ? STANDARD_GRAVITY : 1;
  let accuracy = 'unknown';
  let accuracyReportsAfter = random.int(1, 5);
  for (const [start, end] of onPeriods(
    ctx.from,
    ctx.to,
    settings.accelerometer.onSeconds,
    settings.accelerometer.offSeconds
  )) {
    const gravity = gravityVector(random);
    for (const t of sampleTimes(start, end, settings.accelerometer.hz, random)) {
      const x = (gravity[0] + random.normal(0, 0.02)) * scale;
      const y = (gravity[1] + random.normal(0, 0.02)) * scale;
      const z = (gravity[2] + random.normal(0, 0.02)) * scale;
      let row: string;
      if (os === 'android') {
        if (accuracyReportsAfter-- === 0) accuracy = '3';
        row = `${t},${accuracy},${javaFloatFixed16(x)},${javaFloatFixed16(y)},${javaFloatFixed16(z)}`;
      } else {
        // CMAccelerometerData arrives quantised; 2^-14 g steps give realistic-looking digits.
        row = `${t},unknown,${swiftDouble(quantise(x, 16384))},${swiftDouble(quantise(y, 16384))},${swiftDouble(quantise(z, 16384))}`;
      }
      out.times.push(t);
      out.rows.push(row);
    }
  }
  return out;
}

/** rad/s. Android keeps the accuracy column (`unknown` first, then an int); iOS has none. */
export function gyroRows(ctx: StreamContext): TimedRows {
  const { os, random, settings } = ctx;
  const out = emptyRows();
  let accuracy = 'unknown';
  for (const [start, end] of onPeriods(ctx.from, ctx.to, settings.gyro.onSeconds, settings.gyro.offSeconds)) {
    for (const t of sampleTimes(start, end, settings.gyro.hz, random)) {
      const x = random.normal(0, 0.03);
      const y = random.normal(0, 0.03);
      const z = random.normal(0, 0.02);
      out.times.push(t);
      if (os === 'android') {
        out.rows.push(`${t},${accuracy},${javaFloatFixed16(x)},${javaFloatFixed16(y)},${javaFloatFixed16(z)}`);
        accuracy = '3';
      } else {
        out.rows.push(`${t},${swiftDouble(x)},${swiftDouble(y)},${swiftDouble(z)}`);
      }
    }
  }
  return out;
}

/** iOS only: raw µT. */
export function magnetometerRows(ctx: StreamContext): TimedRows {
  const { random, settings } = ctx;
  const out = emptyRows();
  const base = [random.between(-40, 40), random.between(-40, 40), random.between(-60, 20)];
  for (const [start, end] of onPeriods(
    ctx.from,
    ctx.to,
    settings.magnetometer.onSeconds,
    settings.magnetometer.offSeconds
  )) {
    for (const t of sampleTimes(start, end, settings.magnetometer.hz, random)) {
      const [x, y, z] = base.map((v) => v + random.normal(0, 0.4)) as [number, number, number];
      out.times.push(t);
      out.rows.push(`${t},${swiftDouble(x)},${swiftDouble(y)},${swiftDouble(z)}`);
    }
  }
  return out;
}

/**
 * iOS only. DeviceMotionManager writes the calibration accuracy as a word (uncalibrated, low,
 * medium, high, unknown), not the CMMagneticFieldCalibrationAccuracy number §4.2's table suggests.
 */
export function devicemotionRows(ctx: StreamContext): TimedRows {
  const { random, settings } = ctx;
  const out = emptyRows();
  const accuracies = ['high', 'high', 'high', 'medium', 'low', 'uncalibrated'] as const;
  for (const [start, end] of onPeriods(
    ctx.from,
    ctx.to,
    settings.devicemotion.onSeconds,
    settings.devicemotion.offSeconds
  )) {
    const [gx, gy, gz] = gravityVector(random);
    const roll = Math.atan2(-gx, -gz);
    const pitch = Math.asin(Math.max(-1, Math.min(1, gy)));
    const yaw = random.between(-Math.PI, Math.PI);
    const accuracy = random.pick(accuracies);
    const field = [random.between(-40, 40), random.between(-40, 40), random.between(-60, 20)];
    for (const t of sampleTimes(start, end, settings.devicemotion.hz, random)) {
      const values = [
        roll + random.normal(0, 0.01),
        pitch + random.normal(0, 0.01),
        yaw + random.normal(0, 0.01),
        random.normal(0, 0.03),
        random.normal(0, 0.03),
        random.normal(0, 0.02),
        gx,
        gy,
        gz,
        random.normal(0, 0.01),
        random.normal(0, 0.01),
        random.normal(0, 0.01),
      ].map(swiftDouble);
      const magnetic = field.map((v) => swiftDouble(accuracy === 'uncalibrated' ? 0 : v + random.normal(0, 0.3)));
      out.times.push(t);
      out.rows.push(`${t},${values.join(',')},${accuracy},${magnetic.join(',')}`);
    }
  }
  return out;
}

/**
 * 1 Hz fixes while GPS is on. Android passes the longitude through
 * `((lon + offset + 1260) % 360) - 180` even with offset 0 (fuzzing off), which adds float noise;
 * iOS only does so with fuzzing on. Android's accuracy is a float, iOS's a double.
 */
export function gpsRows(ctx: StreamContext): TimedRows {
  const { os, random, settings } = ctx;
  const out = emptyRows();
  let lat = 42.3601 + random.between(-0.05, 0.05);
  let lon = -71.0589 + random.between(-0.05, 0.05);
  let altitude = random.between(5, 60);
  const longitudeOffset = 0;
  for (const [start, end] of onPeriods(ctx.from, ctx.to, settings.gps.onSeconds, settings.gps.offSeconds)) {
    for (const t of sampleTimes(start, end, settings.gps.hz, random)) {
      lat += random.normal(0, 0.00002);
      lon += random.normal(0, 0.00002);
      altitude += random.normal(0, 0.3);
      const accuracy = random.between(3, 25);
      out.times.push(t);
      if (os === 'android') {
        const fuzzedLon = ((lon + longitudeOffset + 1260) % 360) - 180.0;
        out.rows.push(
          `${t},${javaFixed16(lat)},${javaFixed16(fuzzedLon)},${javaFixed16(altitude)},${javaFloatFixed16(accuracy)}`
        );
      } else {
        out.rows.push(`${t},${swiftDouble(lat)},${swiftDouble(lon)},${swiftDouble(altitude)},${swiftDouble(accuracy)}`);
      }
    }
  }
  return out;
}

/** A unit gravity direction in g, usually near "lying face up", sometimes upright in a pocket. */
function gravityVector(random: StreamContext['random']): [number, number, number] {
  const upright = random.chance(0.3);
  const x = random.normal(0, 0.1);
  const y = upright ? -0.95 + random.normal(0, 0.05) : random.normal(0, 0.1);
  const z = upright ? random.normal(0, 0.2) : -1;
  const norm = Math.hypot(x, y, z);
  return [x / norm, y / norm, z / norm];
}

function quantise(value: number, stepsPerUnit: number): number {
  return Math.round(value * stepsPerUnit) / stepsPerUnit;
}
