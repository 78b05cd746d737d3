import type { PhoneOs, StreamId } from './types.ts';

/**
 * Upload file names (specs/beiwe-protocol.md §4.1). Android: TextFileManager.newFile and
 * AudioFileManager; iOS: DataStorage and EncryptedStorage. The server turns `_` into `/` and finds
 * the stream from a path segment, so these tokens are what it keys on.
 */
export const uploadToken: Readonly<Record<StreamId, string>> = {
  accelerometer: 'accel',
  gyro: 'gyro',
  magnetometer: 'magnetometer',
  devicemotion: 'devicemotion',
  gps: 'gps',
  calls: 'callLog',
  texts: 'textsLog',
  power_state: 'powerState',
  wifi: 'wifiLog',
  bluetooth: 'bluetoothLog',
  proximity: 'proximity',
  reachability: 'reachability',
  app_log: 'logFile',
  ios_log: 'ios_log',
  survey_answers: 'surveyAnswers',
  survey_timings: 'surveyTimings',
  audio_recordings: 'voiceRecording',
  ambient_audio: 'ambientAudio',
};

/** `{patient_id}_{name}_{millis}.csv`; both apps use milliseconds for text streams. */
export function dataFileName(patientId: string, name: string, millis: number): string {
  return `${patientId}_${name}_${Math.trunc(millis)}.csv`;
}

/** The file for one of the periodically rotated streams (not surveys or audio). */
export function streamFileName(patientId: string, stream: StreamId, millis: number): string {
  return dataFileName(patientId, uploadToken[stream], millis);
}

export function surveyAnswersFileName(patientId: string, surveyId: string, millis: number): string {
  return dataFileName(patientId, `surveyAnswers_${surveyId}`, millis);
}

export function surveyTimingsFileName(patientId: string, surveyId: string, millis: number): string {
  return dataFileName(patientId, `surveyTimings_${surveyId}`, millis);
}

/** Android names audio with Unix seconds (`currentTimeMillis() / 1000`), iOS with milliseconds. */
export function voiceRecordingFileName(
  os: PhoneOs,
  patientId: string,
  surveyId: string,
  millis: number,
  extension: 'mp4' | 'wav'
): string {
  const time = os === 'android' ? Math.floor(millis / 1000) : Math.trunc(millis);
  return `${patientId}_voiceRecording_${surveyId}_${time}.${extension}`;
}

/** Android only. */
export function ambientAudioFileName(patientId: string, millis: number): string {
  return `${patientId}_ambientAudio_${Math.floor(millis / 1000)}.mp4`;
}
