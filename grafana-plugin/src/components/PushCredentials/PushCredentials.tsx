import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, Button, ConfirmModal, Field, FileUpload, Stack, TextArea, useStyles2 } from '@grafana/ui';
import { toApiError, type ApiError } from '../../api/client.ts';
import { getPushCredentials, removePushCredential, savePushCredentials } from '../../api/endpoints.ts';
import type { PushCredentialFiles, PushCredentialKind, PushCredentials as Status } from '../../api/types.ts';
import { formatTime } from '../../format.ts';
import { usePermissions } from '../../hooks/use-permissions.ts';
import { useRequest } from '../../hooks/use-request.ts';
import { ErrorAlert } from '../ErrorAlert/ErrorAlert.tsx';
import { NoticeBar, type Notice } from '../NoticeBar/NoticeBar.tsx';
import { readText } from '../StudyFile/study-file.ts';
import { testIds } from '../testIds.ts';

type Credential = {
  kind: PushCredentialKind;
  /** The PUT body's field, which is also the field the ingest names in its objections. */
  field: keyof PushCredentialFiles;
  flag: 'serviceAccount' | 'android' | 'ios';
  label: string;
  description: string;
  accept: string;
  /** The file-chooser button: names the file, so each of the three is told apart. */
  choose: string;
};

const CREDENTIALS: Credential[] = [
  {
    kind: 'service-account',
    field: 'serviceAccount',
    flag: 'serviceAccount',
    label: 'Firebase service account',
    description: 'The service-account JSON key the server sends notifications with.',
    accept: '.json,application/json',
    choose: 'Choose the key file',
  },
  {
    kind: 'android',
    field: 'androidGoogleServices',
    flag: 'android',
    label: 'Android app file (google-services.json)',
    description: 'Given to the Android app when a phone registers.',
    accept: '.json,application/json',
    choose: 'Choose google-services.json',
  },
  {
    kind: 'ios',
    field: 'iosPlist',
    flag: 'ios',
    label: 'iOS app file (GoogleService-Info.plist)',
    description: 'Given to the iOS app when a phone registers.',
    accept: '.plist,application/xml,text/xml',
    choose: 'Choose GoogleService-Info.plist',
  },
];

/**
 * The Firebase credentials push notifications need. The ingest shows only which are set (its API
 * is Admin only, reading too), so what was pasted is never shown back.
 */
export function PushCredentials() {
  const s = useStyles2(getStyles);
  const { canChange } = usePermissions();
  const status = useRequest(getPushCredentials, []);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [removing, setRemoving] = useState<Credential | null>(null);
  const [shown, setShown] = useState<Status | null>(null);

  const current = shown ?? status.state.value ?? null;
  const remove = async (credential: Credential) => {
    setRemoving(null);
    try {
      setShown(await removePushCredential(credential.kind));
      setNotice({ severity: 'success', text: `Removed the ${credential.label}.` });
    } catch (err) {
      setNotice({ severity: 'error', text: `Could not remove it: ${toApiError(err).message}` });
    }
  };

  const refused = status.state.status === 'error' && status.state.error.status === 403;
  return (
    <div data-testid={testIds.pushCredentials.section}>
      <NoticeBar notice={notice} onDismiss={() => setNotice(null)} />
      {refused && !canChange && <p className={s.muted}>Only an Admin can see or change the Firebase credentials.</p>}
      {status.state.status === 'error' && !(refused && !canChange) && (
        <ErrorAlert
          title="Could not load the Firebase credentials"
          error={status.state.error}
          onRetry={status.reload}
        />
      )}
      {current && (
        <>
          <p className={s.muted}>
            {current.projectId ? `Firebase project: ${current.projectId}.` : 'No Firebase project yet.'}
            {current.updatedAt &&
              ` Last changed ${formatTime(current.updatedAt)} by ${current.updatedBy ?? 'unknown'}.`}
          </p>
          {current.problem && (
            <Alert title="Google refused the service account; no notifications are sent" severity="error">
              {current.problem.message} ({formatTime(current.problem.at)}). Upload a working service account to resume.
            </Alert>
          )}
          {CREDENTIALS.map((credential) => (
            <CredentialRow
              key={credential.kind}
              credential={credential}
              isSet={current[credential.flag]}
              canChange={canChange}
              onSaved={(next) => {
                setShown(next);
                setNotice({ severity: 'success', text: `Saved the ${credential.label}.` });
              }}
              onRemove={() => setRemoving(credential)}
            />
          ))}
        </>
      )}
      <ConfirmModal
        isOpen={removing !== null}
        title={`Remove the ${removing?.label ?? 'credential'}?`}
        body={
          removing?.kind === 'service-account'
            ? 'No push notifications are sent until a new service account is saved.'
            : 'Phones that register from now on do not get this file.'
        }
        confirmText="Remove"
        onConfirm={() => (removing ? remove(removing) : undefined)}
        onDismiss={() => setRemoving(null)}
      />
    </div>
  );
}

function CredentialRow(props: {
  credential: Credential;
  isSet: boolean;
  canChange: boolean;
  onSaved: (status: Status) => void;
  onRemove: () => void;
}) {
  const { credential, isSet, canChange } = props;
  const s = useStyles2(getStyles);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);

  const choose = async (file: File | undefined) => {
    if (!file) return;
    setError(undefined);
    try {
      setText(await readText(file));
    } catch {
      setError(`Could not read ${file.name}.`);
    }
  };
  const save = async () => {
    setSaving(true);
    setError(undefined);
    try {
      props.onSaved(await savePushCredentials({ [credential.field]: text }));
      setText('');
    } catch (err) {
      setError(objection(toApiError(err), credential.field));
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className={s.row} data-testid={testIds.pushCredentials.row}>
      <Stack alignItems="center" gap={1}>
        <strong>{credential.label}</strong>
        {isSet ? <Badge color="green" text="Set" /> : <Badge color="orange" text="Not set" />}
      </Stack>
      <div className={s.muted}>{credential.description}</div>
      {canChange && (
        <>
          <Field
            label={isSet ? 'Replace it: paste the file or choose it' : 'Paste the file or choose it'}
            invalid={error !== undefined}
            error={error}
            className={s.field}
          >
            <TextArea
              rows={4}
              value={text}
              aria-label={credential.label}
              placeholder={credential.field === 'iosPlist' ? '<?xml version="1.0" …' : '{ … }'}
              onChange={(e) => setText(e.currentTarget.value)}
            />
          </Field>
          <Stack gap={1}>
            <FileUpload
              size="sm"
              accept={credential.accept}
              onFileUpload={(e) => void choose(e.currentTarget.files?.[0])}
            >
              {credential.choose}
            </FileUpload>
            <Button size="sm" disabled={text.trim() === '' || saving} onClick={() => void save()}>
              {saving ? 'Saving…' : 'Save'}
            </Button>
            {isSet && (
              <Button size="sm" variant="destructive" fill="outline" onClick={props.onRemove}>
                Remove
              </Button>
            )}
          </Stack>
        </>
      )}
    </div>
  );
}

/** The ingest's objections to this file (its fields named from inside the file), else its message. */
function objection(error: ApiError, field: string): string {
  const own = error.fields.filter((f) => f.field === field || f.field.startsWith(`${field}.`));
  if (own.length === 0) return error.message;
  return own
    .map((f) => (f.field === field ? f.message : `${f.field.slice(field.length + 1)}: ${f.message}`))
    .join('; ');
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({
    borderTop: `1px solid ${theme.colors.border.weak}`,
    padding: theme.spacing(2, 0),
    maxWidth: 720,
  }),
  field: css({ marginTop: theme.spacing(1), marginBottom: theme.spacing(1) }),
  muted: css({ color: theme.colors.text.secondary }),
});
