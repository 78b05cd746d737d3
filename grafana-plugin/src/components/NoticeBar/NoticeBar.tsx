import React, { useState } from 'react';
import { Alert, Button } from '@grafana/ui';
import { toApiError } from '../../api/client.ts';
import { testIds } from '../testIds.ts';

/** What a page says after an action: a success with an optional Undo, or an error in words. */
export type Notice = { severity: 'success' | 'error' | 'info'; text: string; undo?: () => Promise<void> };

export function NoticeBar({ notice, onDismiss }: { notice: Notice | null; onDismiss: () => void }) {
  const [undoing, setUndoing] = useState(false);
  const [undoError, setUndoError] = useState<string | null>(null);
  if (!notice) return null;

  const undo = notice.undo;
  const runUndo = async () => {
    if (!undo) return;
    setUndoing(true);
    setUndoError(null);
    try {
      await undo();
      onDismiss();
    } catch (err) {
      setUndoError(toApiError(err).message);
    } finally {
      setUndoing(false);
    }
  };

  return (
    <Alert
      data-testid={testIds.notice}
      title={notice.text}
      severity={undoError ? 'error' : notice.severity}
      onRemove={onDismiss}
      action={
        undo ? (
          <Button size="sm" variant="secondary" icon="history" onClick={() => void runUndo()} disabled={undoing}>
            {undoing ? 'Undoing…' : 'Undo'}
          </Button>
        ) : undefined
      }
    >
      {undoError ? `Undo failed: ${undoError}` : null}
    </Alert>
  );
}
