import { describe, expect, it } from 'vitest';
import {
  ambientAudioFileName,
  dataFileName,
  streamFileName,
  surveyAnswersFileName,
  surveyTimingsFileName,
  voiceRecordingFileName,
} from './file-names.ts';

const pid = 'abcd1234';
const millis = 1700000000123;

describe('file names (§4.1)', () => {
  it('names text streams with the upload token and milliseconds', () => {
    expect(dataFileName(pid, 'gps', 1700000000000)).toBe('abcd1234_gps_1700000000000.csv');
    expect(streamFileName(pid, 'accelerometer', millis)).toBe('abcd1234_accel_1700000000123.csv');
    expect(streamFileName(pid, 'calls', millis)).toBe('abcd1234_callLog_1700000000123.csv');
    expect(streamFileName(pid, 'texts', millis)).toBe('abcd1234_textsLog_1700000000123.csv');
    expect(streamFileName(pid, 'power_state', millis)).toBe('abcd1234_powerState_1700000000123.csv');
    expect(streamFileName(pid, 'wifi', millis)).toBe('abcd1234_wifiLog_1700000000123.csv');
    expect(streamFileName(pid, 'bluetooth', millis)).toBe('abcd1234_bluetoothLog_1700000000123.csv');
    expect(streamFileName(pid, 'app_log', millis)).toBe('abcd1234_logFile_1700000000123.csv');
    expect(streamFileName(pid, 'devicemotion', millis)).toBe('abcd1234_devicemotion_1700000000123.csv');
  });

  it('names the iOS log so that the server path becomes pid/ios/log/…', () => {
    const name = streamFileName(pid, 'ios_log', millis);
    expect(name).toBe('abcd1234_ios_log_1700000000123.csv');
    expect(name.replace(/_/g, '/')).toBe('abcd1234/ios/log/1700000000123.csv');
  });

  it('puts the survey id between the stream and the time', () => {
    const surveyId = '5f1e2d3c4b5a69788796a5b4';
    expect(surveyAnswersFileName(pid, surveyId, millis)).toBe(`abcd1234_surveyAnswers_${surveyId}_1700000000123.csv`);
    expect(surveyTimingsFileName(pid, surveyId, millis)).toBe(`abcd1234_surveyTimings_${surveyId}_1700000000123.csv`);
  });

  it('uses seconds for Android audio and milliseconds for iOS audio', () => {
    expect(voiceRecordingFileName('android', pid, 'sid', millis, 'mp4')).toBe(
      'abcd1234_voiceRecording_sid_1700000000.mp4'
    );
    expect(voiceRecordingFileName('android', pid, 'sid', millis, 'wav')).toBe(
      'abcd1234_voiceRecording_sid_1700000000.wav'
    );
    expect(voiceRecordingFileName('ios', pid, 'sid', millis, 'wav')).toBe(
      'abcd1234_voiceRecording_sid_1700000000123.wav'
    );
    expect(ambientAudioFileName(pid, millis)).toBe('abcd1234_ambientAudio_1700000000.mp4');
  });
});
