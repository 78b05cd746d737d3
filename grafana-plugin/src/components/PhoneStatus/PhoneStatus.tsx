import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, useStyles2 } from '@grafana/ui';
import type { BeiweState } from '../../api/types.ts';
import { formatAge, formatTime, recencyOf } from '../../format.ts';

/** Phone registered or not, at a glance. */
export function PhoneBadge({ beiwe }: { beiwe: BeiweState | null }) {
  if (!beiwe) return <Badge color="darkgrey" text="No phone credentials" />;
  if (beiwe.retiredAt) return <Badge color="darkgrey" icon="ban" text="Retired" />;
  if (beiwe.registered) {
    const os = beiwe.osType ? ` (${osName(beiwe.osType)})` : '';
    return <Badge color="green" icon="mobile-android" text={`Registered${os}`} />;
  }
  return <Badge color="orange" text="Not registered" />;
}

/** The Beiwe apps report `ANDROID` or `IOS` (any case). */
export function osName(osType: string): string {
  const os = osType.toLowerCase();
  return os === 'ios' ? 'iOS' : os === 'android' ? 'Android' : osType;
}

/**
 * How long ago something last happened, coloured by the participants table's bands: within 2 days,
 * within 7 days, older. The exact time is in the tooltip.
 */
export function LastSeen({ at, now }: { at: string | null | undefined; now: Date }) {
  const s = useStyles2(getStyles);
  const band = recencyOf(at, now);
  if (!at) return <span className={s.never}>never</span>;
  return (
    <span className={s[band]} title={formatTime(at)} data-recency={band}>
      {formatAge(at, now)}
    </span>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  recent: css({ color: theme.colors.success.text }),
  stale: css({ color: theme.colors.warning.text }),
  old: css({ color: theme.colors.error.text }),
  never: css({ color: theme.colors.text.disabled }),
});
