import { randomInt } from 'node:crypto';

/** The FCM v1 `Message` fields Vigil sends (a subset of the API's). */
export type FcmMessage = {
  token: string;
  data?: Record<string, string>;
  notification?: { title: string; body: string };
  android?: { priority: 'HIGH'; data: Record<string, string> };
};

export type Platform = 'ANDROID' | 'IOS';

const NONCE_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** 32 random characters: Beiwe's nonce, which lets the apps tell a repeated push from a new one. */
export const nonce = () => Array.from({ length: 32 }, () => NONCE_ALPHABET[randomInt(NONCE_ALPHABET.length)]).join('');

/** `%Y-%m-%dT%H:%M:%S` in UTC, the `sent_time` format of Beiwe's pushes. */
export const beiweTime = (at: Date) => at.toISOString().slice(0, 19);

/**
 * Android gets data-only, high-priority messages (the app wakes and shows its own notification);
 * iOS the same data with a visible notification, since a silent push may never wake the app
 * (spec §2.4, Beiwe's `survey_push_notifications.py`).
 */
function forPlatform(platform: Platform, token: string, data: Record<string, string>, body: string): FcmMessage {
  return platform === 'ANDROID'
    ? { token, android: { priority: 'HIGH', data } }
    : { token, data, notification: { title: 'Beiwe', body } };
}

/** A survey push: the surveys due, each with the schedule event uuids this push stands for. */
export function surveyMessage(input: {
  platform: Platform;
  token: string;
  uuidsBySurvey: ReadonlyMap<string, readonly string[]>;
  sentAt: Date;
  nonce: string;
}): FcmMessage {
  const surveyIds = [...input.uuidsBySurvey.keys()];
  const data = {
    type: 'survey',
    survey_ids: JSON.stringify(surveyIds),
    survey_uuids_dict: JSON.stringify(Object.fromEntries(input.uuidsBySurvey)),
    sent_time: beiweTime(input.sentAt),
    nonce: input.nonce,
  };
  const body = surveyIds.length === 1 ? 'You have a survey to take.' : 'You have surveys to take.';
  return forPlatform(input.platform, input.token, data, body);
}

/** A message push (the heartbeat wake-up sends the study's heartbeat message this way). */
export function textMessage(input: { platform: Platform; token: string; text: string }): FcmMessage {
  return forPlatform(input.platform, input.token, { type: 'message', message: input.text }, input.text);
}
