import React from 'react';
import { Alert } from '@grafana/ui';
import type { ApiError } from '../../api/client.ts';

/** An ingest error in words, at the place it concerns. */
export function ErrorAlert({ title, error, onRetry }: { title: string; error: ApiError; onRetry?: () => void }) {
  return (
    <Alert title={title} severity="error" {...(onRetry ? { buttonContent: 'Try again', onRemove: onRetry } : {})}>
      {error.message}
    </Alert>
  );
}
