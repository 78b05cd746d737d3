/**
 * The ingest's names for the streams it exports (ingest/src/data-access/export.ts EXPORT_STREAMS):
 * the plugin is bundled on its own, so it keeps a copy, which test/plugin-export-streams.test.ts
 * holds to the ingest's list.
 */
export const PHONE_STREAMS = [
  'accelerometer',
  'gyro',
  'magnetometer',
  'devicemotion',
  'gps',
  'calls',
  'texts',
  'power_state',
  'wifi',
  'bluetooth',
  'proximity',
  'reachability',
  'app_log',
  'ios_log',
  'identifiers',
  'survey_answers',
  'survey_timings',
  'audio_recordings',
  'ambient_audio',
  // Vigil's daily features (one CSV per participant), computed from the streams above and the wearables.
  'daily_features',
];
export const WEARABLE_STREAMS = [
  'heart_rate',
  'resting_heart_rate',
  'steps',
  'daily_activity',
  'sleep_sessions',
  'sleep_stages',
  'body_measurements',
  'spo2',
  'hrv',
  'respiratory_rate',
  'exercises',
  'device_status',
  'heart_rhythm',
  'daily_vitals',
  'sleepwise_periods',
  // The study's preferred source only, where several measured the same time, day or session.
  'heart_rate_preferred',
  'steps_preferred',
  'resting_heart_rate_preferred',
  'daily_activity_preferred',
  'daily_vitals_preferred',
  'sleep_sessions_preferred',
  'exercises_preferred',
].map((name) => `wearable_${name}`);
