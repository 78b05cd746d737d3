import React from 'react';
import { Button, Tooltip, type ButtonProps } from '@grafana/ui';
import { usePermissions } from '../../hooks/use-permissions.ts';

/**
 * A button that changes something. Viewers see it disabled, with a tooltip saying why; the proxy
 * route and the ingest refuse the change anyway.
 */
export function GuardedButton(props: ButtonProps) {
  const { canChange, reason } = usePermissions();
  if (canChange) return <Button {...props} />;
  return (
    <Tooltip content={reason}>
      {/* A disabled button gets no pointer events, so the tooltip hangs on a wrapper. */}
      <span tabIndex={0} aria-label={reason}>
        <Button {...props} disabled onClick={undefined} />
      </span>
    </Tooltip>
  );
}
