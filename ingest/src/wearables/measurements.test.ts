import { describe, expect, it } from 'vitest';
import { GOOGLE_HEALTH_SCOPES } from '../vendors/fitbit/provider.ts';
import { PROVIDER_IDS } from '../providers/provider.ts';
import { WITHINGS_SCOPES } from '../vendors/withings/provider.ts';
import {
  DEFAULT_MEASUREMENTS,
  grantedMeasurements,
  MEASUREMENTS,
  offeredBy,
  readsType,
  scopesFor,
} from './measurements.ts';
import { measTypes } from '../vendors/withings/measures.ts';
import { vendorOf } from '../vendors/registry.ts';

const GOOGLE = 'https://www.googleapis.com/auth/googlehealth.';

describe('the wearable measurement catalogue', () => {
  it('maps every data type each pull reads, and only those', () => {
    for (const provider of PROVIDER_IDS) {
      expect(Object.keys(vendorOf(provider).offer.types).sort(), provider).toEqual(
        vendorOf(provider)
          .source.types.map((t) => t.name)
          .sort()
      );
    }
  });

  it('says which scopes each offered measurement needs, all of them in the consent order', () => {
    for (const provider of PROVIDER_IDS) {
      const offer = vendorOf(provider).offer;
      const named = [...offer.always, ...Object.values(offer.scopes).flat()];
      expect(
        named.filter((s) => !offer.order.includes(s)),
        provider
      ).toEqual([]);
      const served = Object.values(offer.types).flat();
      expect(
        served.filter((m) => offer.scopes[m] === undefined),
        provider
      ).toEqual([]);
    }
  });

  it('asks a study that never chose for what was asked before, less ECG and irregular rhythm', () => {
    expect(DEFAULT_MEASUREMENTS).not.toContain('ecg');
    expect(DEFAULT_MEASUREMENTS).not.toContain('irn');
    expect(scopesFor('fitbit', DEFAULT_MEASUREMENTS)).toEqual(GOOGLE_HEALTH_SCOPES);
    expect(scopesFor('withings', DEFAULT_MEASUREMENTS)).toEqual(WITHINGS_SCOPES);
    expect(scopesFor('polar', DEFAULT_MEASUREMENTS)).toEqual(['accesslink.read_all']);
  });

  it('asks only for the scopes the chosen measurements need, the device list always', () => {
    expect(scopesFor('fitbit', ['sleep'])).toEqual([`${GOOGLE}sleep.readonly`, `${GOOGLE}settings.readonly`]);
    expect(scopesFor('fitbit', ['heart_rate', 'ecg', 'irn'])).toEqual([
      `${GOOGLE}health_metrics_and_measurements.readonly`,
      `${GOOGLE}settings.readonly`,
      `${GOOGLE}ecg.readonly`,
      `${GOOGLE}irn.readonly`,
    ]);
    expect(scopesFor('withings', ['blood_pressure'])).toEqual(['user.info', 'user.metrics']);
    expect(scopesFor('withings', ['workouts'])).toEqual(['user.info', 'user.activity']);
  });

  it('has nothing to ask a vendor that offers none of the chosen measurements', () => {
    expect(scopesFor('withings', ['recovery', 'sleepwise'])).toEqual([]);
    expect(scopesFor('fitbit', [])).toEqual([]);
    expect(scopesFor('polar', ['cardio_load'])).toEqual(['accesslink.read_all']);
    expect(offeredBy('withings')).not.toContain('recovery');
    expect(offeredBy('polar')).toContain('recovery');
  });

  it('reads a type when it serves any chosen measurement, and device lists always', () => {
    expect(readsType('withings', 'measures', ['spo2'])).toBe(true);
    expect(readsType('withings', 'sleep', ['spo2'])).toBe(false);
    expect(readsType('withings', 'devices', [])).toBe(true);
    expect(readsType('polar', 'ecgTests', DEFAULT_MEASUREMENTS)).toBe(false);
    expect(() => readsType('polar', 'nonsense', MEASUREMENTS)).toThrow(/serves no known measurement/);
  });

  it('collects of the chosen only what the grant covers; all where the vendor does not say', () => {
    const grant = [`${GOOGLE}health_metrics_and_measurements.readonly`, `${GOOGLE}settings.readonly`];
    expect(grantedMeasurements('fitbit', ['heart_rate', 'sleep', 'spo2'], grant)).toEqual(['heart_rate', 'spo2']);
    expect(grantedMeasurements('fitbit', ['heart_rate', 'sleep'], null)).toEqual(['heart_rate', 'sleep']);
    expect(grantedMeasurements('withings', ['heart_rate', 'body'], ['user.info', 'user.metrics'])).toEqual(['body']);
  });

  it('asks Withings getmeas for the chosen measurements’ types only', () => {
    expect(measTypes(() => true)).toBe(
      '1,4,5,6,8,9,10,11,12,54,71,73,76,77,88,91,123,130,135,136,137,138,139,168,169,170'
    );
    expect(measTypes((m) => m === 'blood_pressure' || m === 'heart_rate')).toBe('9,10,11');
    expect(measTypes((m) => m === 'ecg')).toBe('130,135,136,137,138');
  });
});
