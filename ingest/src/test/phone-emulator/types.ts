export type PhoneOs = 'android' | 'ios';

/** Stream names as the server's UPLOAD_FILE_TYPE_MAPPING resolves them (specs/beiwe-protocol.md §4.1). */
export type StreamId =
  | 'accelerometer'
  | 'gyro'
  | 'magnetometer'
  | 'devicemotion'
  | 'gps'
  | 'calls'
  | 'texts'
  | 'power_state'
  | 'wifi'
  | 'bluetooth'
  | 'proximity'
  | 'reachability'
  | 'app_log'
  | 'ios_log'
  | 'survey_answers'
  | 'survey_timings'
  | 'audio_recordings'
  | 'ambient_audio';

export const streamsByOs: Readonly<Record<PhoneOs, readonly StreamId[]>> = {
  android: [
    'accelerometer',
    'gyro',
    'gps',
    'calls',
    'texts',
    'power_state',
    'wifi',
    'bluetooth',
    'app_log',
    'survey_answers',
    'survey_timings',
    'audio_recordings',
    'ambient_audio',
  ],
  ios: [
    'accelerometer',
    'gyro',
    'magnetometer',
    'devicemotion',
    'gps',
    'power_state',
    'proximity',
    'reachability',
    'ios_log',
    'survey_answers',
    'survey_timings',
    'audio_recordings',
  ],
};

/** One upload before encryption: text (header + rows, each row one encrypted line) or audio bytes. */
export type PlainFile =
  | { kind: 'text'; stream: StreamId; fileName: string; createdAt: number; header: string | null; rows: string[] }
  | { kind: 'binary'; stream: StreamId; fileName: string; createdAt: number; bytes: Buffer };
