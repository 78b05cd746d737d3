import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { ConfirmModal, useStyles2 } from '@grafana/ui';
import { toApiError } from '../../api/client.ts';
import {
  deleteParticipant,
  issueBeiwe,
  resetBeiwePassword,
  restoreParticipant,
  retireBeiwe,
  unregisterPhone,
} from '../../api/endpoints.ts';
import type { Participant } from '../../api/types.ts';
import { EditParticipant } from '../EditParticipant/EditParticipant.tsx';
import type { SheetRequest } from '../EnrolmentSheet/EnrolmentSheet.tsx';
import { GuardedButton } from '../GuardedButton/GuardedButton.tsx';
import type { Notice } from '../NoticeBar/NoticeBar.tsx';

type Props = {
  participant: Participant;
  /** New credentials to show on an enrolment sheet (the page shows it, so a reload cannot lose it). */
  onSheet: (sheet: SheetRequest) => void;
  /** Something changed: reload what shows this participant. */
  onChanged: () => void;
  onNotice: (notice: Notice) => void;
};

type Open = 'edit' | 'reset' | 'unregister' | 'retire' | null;

/** What an Admin can do to one participant: edit, phone credentials, delete (with Undo) or restore. */
export function ParticipantActions({ participant: p, onSheet, onChanged, onNotice }: Props) {
  const s = useStyles2(getStyles);
  const [open, setOpen] = useState<Open>(null);

  const run = async (what: string, action: () => Promise<Notice | void>) => {
    setOpen(null);
    try {
      const notice = await action();
      if (notice) onNotice(notice);
    } catch (err) {
      onNotice({ severity: 'error', text: `Could not ${what} ${p.label}: ${toApiError(err).message}` });
    }
    onChanged();
  };

  const remove = () =>
    run('delete', async () => {
      await deleteParticipant(p.id);
      return {
        severity: 'success',
        text: `Deleted ${p.label}.`,
        undo: async () => {
          await restoreParticipant(p.id);
          onChanged();
        },
      };
    });
  const restore = () =>
    run('restore', async () => {
      await restoreParticipant(p.id);
      return { severity: 'success', text: `Restored ${p.label}.` };
    });
  const resetPassword = () =>
    run('reset the password of', async () =>
      onSheet({ participantLabel: p.label, credentials: await resetBeiwePassword(p.id), reason: 'reset' })
    );
  const issue = () =>
    run('issue phone credentials to', async () =>
      onSheet({ participantLabel: p.label, credentials: await issueBeiwe(p.id), reason: 'enrolled' })
    );
  const unregister = () =>
    run('unregister the phone of', async () => {
      await unregisterPhone(p.id);
      return { severity: 'success', text: `Unregistered the phone of ${p.label}: they can register a phone again.` };
    });
  const retire = () =>
    run('retire', async () => {
      await retireBeiwe(p.id);
      return { severity: 'success', text: `Retired ${p.label}: their phone can no longer register or upload.` };
    });

  if (p.deletedAt) {
    return (
      <GuardedButton
        size="sm"
        variant="secondary"
        icon="history"
        aria-label={`Restore ${p.label}`}
        onClick={() => void restore()}
      >
        Restore
      </GuardedButton>
    );
  }

  const button = (
    label: string,
    icon: 'pen' | 'key-skeleton-alt' | 'mobile-android' | 'ban' | 'trash-alt',
    onClick: () => void
  ) => (
    <GuardedButton
      size="sm"
      variant={icon === 'trash-alt' ? 'destructive' : 'secondary'}
      fill={icon === 'trash-alt' ? 'text' : 'solid'}
      icon={icon}
      aria-label={`${label} ${p.label}`}
      onClick={onClick}
    >
      {label}
    </GuardedButton>
  );

  return (
    <div className={s.row}>
      {button('Edit', 'pen', () => setOpen('edit'))}
      {p.beiwe
        ? button('Reset password', 'key-skeleton-alt', () => setOpen('reset'))
        : button('Issue phone credentials', 'key-skeleton-alt', () => void issue())}
      {p.beiwe?.registered && button('Unregister phone', 'mobile-android', () => setOpen('unregister'))}
      {p.beiwe && !p.beiwe.retiredAt && button('Retire', 'ban', () => setOpen('retire'))}
      {button('Delete', 'trash-alt', () => void remove())}

      {open === 'edit' && (
        <EditParticipant
          participant={p}
          onDismiss={() => setOpen(null)}
          onSaved={(saved) => {
            setOpen(null);
            onNotice({ severity: 'success', text: `Saved ${saved.label}.` });
            onChanged();
          }}
        />
      )}
      <ConfirmModal
        isOpen={open === 'reset'}
        title={`Reset the password of ${p.label}?`}
        body="Their current password stops working. A new temporary password is shown once, to hand to the participant."
        confirmText="Reset password"
        onConfirm={resetPassword}
        onDismiss={() => setOpen(null)}
      />
      <ConfirmModal
        isOpen={open === 'unregister'}
        title={`Unregister the phone of ${p.label}?`}
        body="The registered phone can no longer upload. The participant can then register the same or a new phone with their password."
        confirmText="Unregister phone"
        onConfirm={unregister}
        onDismiss={() => setOpen(null)}
      />
      <ConfirmModal
        isOpen={open === 'retire'}
        title={`Retire ${p.label}?`}
        body="Their phone is told the participant is permanently retired: it can no longer register or upload, and this cannot be undone. Data already received is kept."
        confirmText="Retire"
        onConfirm={retire}
        onDismiss={() => setOpen(null)}
      />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({ display: 'flex', gap: theme.spacing(1), justifyContent: 'flex-end', flexWrap: 'wrap' }),
});
