/**
 * A participant's wearable files in the raw archive (ECG signals), beside the phones' folders of
 * the study: `wearables` is never a patient id (those are 8 characters), so the phones' sweep of
 * stray folders leaves it, and a participant's purge removes their subfolder.
 */
export const WEARABLES_FOLDER = 'wearables';

export const wearableArchiveFolder = (studyId: number, participantId: number) =>
  `study-${studyId}/${WEARABLES_FOLDER}/${participantId}`;
