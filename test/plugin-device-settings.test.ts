import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DEVICE_SETTINGS,
  DEVICE_SETTING_KEYS,
  DeviceSettingsPatch,
} from '../ingest/src/study-config/device-settings-schema.ts';
import {
  CONSENT_SECTIONS,
  defaultSettings,
  SETTING_FIELDS,
} from '../grafana-plugin/src/components/DeviceSettingsForm/device-settings-fields.ts';

/** The plugin's device-settings form shows Beiwe's defaults and limits: the same ones the ingest enforces. */
describe('the plugin’s device settings form and the ingest’s schema', () => {
  it('shows every setting once, with the ingest’s defaults', () => {
    const shown = [...SETTING_FIELDS.map((f) => f.key), 'consent_sections'];
    expect([...shown].sort()).toEqual([...DEVICE_SETTING_KEYS].sort());
    expect(new Set(shown).size).toBe(shown.length);
    expect(defaultSettings()).toEqual({ ...DEFAULT_DEVICE_SETTINGS });
    expect(CONSENT_SECTIONS.map((s) => s.key).sort()).toEqual(
      Object.keys(DEFAULT_DEVICE_SETTINGS.consent_sections).sort()
    );
  });

  it('states the minimum the ingest accepts for each number, and which texts may be empty', () => {
    for (const field of SETTING_FIELDS) {
      const accepts = (value: unknown) => DeviceSettingsPatch.safeParse({ [field.key]: value }).success;
      if (field.kind === 'integer') {
        expect(accepts(field.min), field.key).toBe(true);
        expect(accepts(field.min - 1), field.key).toBe(false);
      } else if (field.kind === 'text' || field.kind === 'longtext') {
        expect(accepts(''), field.key).toBe(field.blank);
      } else {
        expect(accepts(!field.default), field.key).toBe(true);
      }
    }
  });
});
