import type { PhoneOs, StreamId } from './types.ts';

/**
 * The CSV header line each app writes as a file's first encrypted line (specs/beiwe-protocol.md
 * §4.2), exactly, spaces included. Audio files have none.
 */
export const streamHeaders: Readonly<Record<PhoneOs, Partial<Record<StreamId, string>>>> = {
  android: {
    accelerometer: 'timestamp,accuracy,x,y,z',
    gyro: 'timestamp,accuracy,x,y,z',
    gps: 'timestamp, latitude, longitude, altitude, accuracy',
    calls: 'hashed phone number,call type,timestamp,duration in seconds',
    texts: 'timestamp,hashed phone number,sent vs received,message length,time sent',
    power_state: 'timestamp, event',
    wifi: 'hashed MAC, frequency, RSSI',
    bluetooth: 'timestamp, hashed MAC, RSSI',
    app_log: 'THIS LINE IS A LOG FILE HEADER',
    survey_answers: 'question id,question type,question text,question answer options,answer',
    survey_timings: 'timestamp,question id,question type,question text,question answer options,answer',
  },
  ios: {
    accelerometer: 'timestamp,accuracy,x,y,z',
    gyro: 'timestamp,x,y,z',
    magnetometer: 'timestamp,x,y,z',
    devicemotion:
      'timestamp,roll,pitch,yaw,rotation_rate_x,rotation_rate_y,rotation_rate_z,gravity_x,gravity_y,gravity_z,' +
      'user_accel_x,user_accel_y,user_accel_z,magnetic_field_calibration_accuracy,magnetic_field_x,magnetic_field_y,magnetic_field_z',
    gps: 'timestamp,latitude,longitude,altitude,accuracy',
    power_state: 'timestamp,event,level',
    proximity: 'timestamp,event',
    reachability: 'timestamp,event',
    ios_log: 'timestamp,launchId,memory,battery,event,msg,d1,d2,d3,d4',
    survey_answers: 'question id,question type,question text,question answer options,answer',
    survey_timings: 'timestamp,question id,question type,question text,question answer options,answer,event',
  },
};

export function headerOf(os: PhoneOs, stream: StreamId): string {
  const header = streamHeaders[os][stream];
  if (header === undefined) throw new Error(`${os} writes no ${stream} text file`);
  return header;
}
